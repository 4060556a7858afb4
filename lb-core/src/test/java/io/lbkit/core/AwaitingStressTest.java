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
package io.lbkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Real threads race response starts against completions of the same picks (a headers callback on
 * one thread, a cancellation on another), and against each other, on a least-response-time
 * balancer. Invariants: while they run, no server reads a negative awaiting count; once they are
 * done, every count is back to exactly zero (no start or slot leaked or lost), and picks held open
 * then are counted exactly: in flight all of them, awaited those whose response has not started.
 */
class AwaitingStressTest {
  private static final int THREADS = 4;
  private static final int PICKS_PER_THREAD = 20_000;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void startsAndCompletionsRacingLeaveExactCounts() throws Exception {
    try (LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .servers(Server.of("a", 80), Server.of("b", 80), Server.of("c", 80))
            .build()) {
      ConcurrentLinkedQueue<Pick> handedOver = new ConcurrentLinkedQueue<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CountDownLatch done = new CountDownLatch(THREADS);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Thread thread =
            new Thread(
                () -> {
                  try {
                    work(lb, handedOver);
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  } finally {
                    done.countDown();
                  }
                });
        threads.add(thread);
        thread.start();
      }
      // The reader: the awaiting count is never negative, however the racing updates interleave
      // with its two reads.
      int reads = 0;
      while (done.getCount() > 0) {
        for (Endpoint e : lb.eligibleEndpoints()) {
          int epoch = e.accounting.epoch(e.accounting.read());
          assertThat(e.stats.awaiting(epoch)).isNotNegative();
          reads++;
        }
      }
      assertThat(reads).isPositive();
      for (Thread thread : threads) {
        thread.join();
      }
      assertThat(failure.get()).isNull();
      for (Pick p : handedOver) {
        p.complete(Outcome.SUCCESS);
      }
      for (Endpoint e : lb.eligibleEndpoints()) {
        int epoch = e.accounting.epoch(e.accounting.read());
        assertThat(e.inFlight()).as("%s in flight", e).isZero();
        assertThat(e.stats.started(epoch)).as("%s starts", e).isZero();
        assertThat(e.stats.awaiting(epoch)).as("%s awaiting", e).isZero();
      }

      // Now hold picks open: 30 in flight, 10 of them started.
      List<Pick> held = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        Pick p = lb.pickServer("a:80").orElseThrow();
        if (i % 3 == 0) {
          p.responseStarted();
        }
        held.add(p);
      }
      Endpoint a =
          lb.eligibleEndpoints().stream()
              .filter(e -> e.server().id().equals("a:80"))
              .findFirst()
              .orElseThrow();
      int epoch = a.accounting.epoch(a.accounting.read());
      assertThat(a.inFlight()).isEqualTo(30);
      assertThat(a.stats.started(epoch)).isEqualTo(10);
      assertThat(a.stats.awaiting(epoch)).isEqualTo(20);
      held.forEach(Pick::success);
      assertThat(a.stats.awaiting(epoch)).isZero();
      assertThat(a.stats.started(epoch)).isZero();
    }
  }

  /**
   * Picks and reports: a third completed at once, a third started then completed, a third handed to
   * another thread that completes it while this one reports its response start.
   */
  private static void work(LoadBalancer lb, ConcurrentLinkedQueue<Pick> handedOver) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < PICKS_PER_THREAD; i++) {
      Pick p = lb.pick();
      switch (random.nextInt(3)) {
        case 0 -> p.complete(random.nextBoolean() ? Outcome.SUCCESS : Outcome.CANCELLED);
        case 1 -> {
          p.responseStarted();
          p.responseStarted(); // a duplicate callback: ignored
          p.complete(Outcome.SUCCESS);
        }
        default -> {
          handedOver.add(p);
          p.responseStarted(); // races the other thread's complete below
        }
      }
      Pick other = handedOver.poll();
      if (other != null) {
        if (random.nextBoolean()) {
          other.responseStarted();
        }
        other.complete(Outcome.SUCCESS);
      }
    }
  }
}
