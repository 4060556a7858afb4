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
package io.lbkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Many threads start, finish and report at once: counts stay exact, reports stay sane. */
class LoadRecorderStressTest {
  private static final int THREADS = 8;
  private static final int REQUESTS = 20_000;

  @Test
  void concurrentRequestsAndReportsKeepExactCounts() throws Exception {
    LoadRecorder recorder = LoadRecorder.create();
    CyclicBarrier start = new CyclicBarrier(THREADS + 1);
    CountDownLatch done = new CountDownLatch(THREADS);
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < REQUESTS; i++) {
                    LoadRecorder.Request a = recorder.start();
                    LoadRecorder.Request b = recorder.start();
                    if (a.arrivalRif() < 0 || a.arrivalRif() >= 2 * THREADS) {
                      errors.add(new AssertionError("arrival RIF " + a.arrivalRif()));
                    }
                    b.finish(i % 7 == 0);
                    a.finish(false);
                    a.finish(true); // a racing second finish must not count
                  }
                } catch (Throwable e) {
                  errors.add(e);
                } finally {
                  done.countDown();
                }
              });
      threads.add(thread);
      thread.start();
    }
    Thread reporter =
        new Thread(
            () -> {
              while (!stop.get()) {
                ServerLoad load = recorder.report();
                int rif = load.requestsInFlight().orElse(-1);
                if (rif < 0 || rif > 2 * THREADS) {
                  errors.add(new AssertionError("reported RIF " + rif));
                }
                if (load.latencyNanos() > 10_000_000_000L) {
                  errors.add(new AssertionError("reported latency " + load.latency()));
                }
              }
            });
    reporter.start();
    start.await();
    done.await();
    stop.set(true);
    reporter.join();
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(errors).isEmpty();
    assertThat(recorder.requestsInFlight()).isZero();
    ServerLoad load = recorder.report();
    assertThat(load.requestsInFlight()).hasValue(0);
    assertThat(load.latency()).isPresent();
  }
}
