/*
 * Copyright 2026 The lbkit Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
package io.lbkit.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RetryBudgetCounterTest {
  private final FakeTicker ticker = new FakeTicker();

  @Test
  void ratioOfRequestsPlusFloor() {
    RetryBudgetCounter budget = new RetryBudgetCounter(RetryBudget.of(0.25, 1), ticker);

    // The floor: 1 per second over the 10-second window.
    for (int i = 0; i < 10; i++) {
      assertThat(budget.tryRetry()).isTrue();
    }
    assertThat(budget.tryRetry()).isFalse();

    // Each four requests earn one more retry.
    for (int i = 0; i < 8; i++) {
      budget.recordRequest();
    }
    assertThat(budget.tryRetry()).isTrue();
    assertThat(budget.tryRetry()).isTrue();
    assertThat(budget.tryRetry()).isFalse();
    assertThat(budget.retriesInWindow()).isEqualTo(12);
  }

  @Test
  void windowSlidesAndOldCountsExpire() {
    RetryBudgetCounter budget = new RetryBudgetCounter(RetryBudget.of(1.0, 0), ticker);
    for (int i = 0; i < 5; i++) {
      budget.recordRequest();
    }
    ticker.advance(Duration.ofSeconds(5));
    for (int i = 0; i < 5; i++) {
      budget.recordRequest();
    }
    assertThat(budget.requestsInWindow()).isEqualTo(10);

    // 6 s later the first five have left the 10-second window, the other five have not.
    ticker.advance(Duration.ofSeconds(6));
    assertThat(budget.requestsInWindow()).isEqualTo(5);
    for (int i = 0; i < 5; i++) {
      assertThat(budget.tryRetry()).isTrue();
    }
    assertThat(budget.tryRetry()).isFalse();

    // Long idle: everything expires, even after slots were reused many times.
    ticker.advance(Duration.ofMinutes(10));
    assertThat(budget.requestsInWindow()).isZero();
    assertThat(budget.retriesInWindow()).isZero();
    assertThat(budget.tryRetry()).isFalse();
  }

  @Test
  void noneNeverRetries() {
    RetryBudgetCounter budget = new RetryBudgetCounter(RetryBudget.none(), ticker);
    for (int i = 0; i < 1000; i++) {
      budget.recordRequest();
    }
    assertThat(budget.tryRetry()).isFalse();
  }

  @Test
  void concurrentRetriesNeverExceedTheAllowance() throws Exception {
    RetryBudgetCounter budget = new RetryBudgetCounter(RetryBudget.of(0.1, 0), ticker);
    for (int i = 0; i < 1000; i++) {
      budget.recordRequest();
    }
    AtomicInteger granted = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 1000; i++) {
                  if (budget.tryRetry()) {
                    granted.incrementAndGet();
                  }
                }
              });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join(5000);
    }

    // 10% of 1000: never more, and (races only ever deny) the count matches what was granted.
    assertThat(granted.get()).isLessThanOrEqualTo(100).isGreaterThan(90);
    assertThat(budget.retriesInWindow()).isEqualTo(granted.get());
  }

  @Test
  void valueSemantics() {
    assertThat(RetryBudget.of(0.2, 10)).isEqualTo(RetryBudget.defaults());
    assertThat(RetryBudget.defaults().toString())
        .isEqualTo("RetryBudget{ratio=0.2, minRetriesPerSecond=10, window=PT10S}");
    assertThat(ServerHint.pin("a"))
        .isEqualTo(ServerHint.pin("a"))
        .isNotEqualTo(ServerHint.prefer("a"));
  }
}
