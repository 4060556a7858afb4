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
package io.lbkit.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The scheduler on simulated time, driven by a minimal event loop like the simulation's. */
class VirtualSchedulerTest {
  private final SimClock clock = new SimClock();
  private long seq;
  private final PriorityQueue<long[]> order =
      new PriorityQueue<>(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
  private final List<Runnable> tasks = new ArrayList<>();
  private final VirtualScheduler scheduler =
      new VirtualScheduler(
          clock,
          (time, task) -> {
            order.add(new long[] {time, seq++, tasks.size()});
            tasks.add(task);
          });
  private final List<String> log = new ArrayList<>();

  /** Runs the queued tasks in time order up to {@code untilNanos}. */
  private void runUntil(long untilNanos) {
    while (!order.isEmpty() && order.peek()[0] <= untilNanos) {
      long[] e = order.poll();
      clock.advanceTo(e[0]);
      tasks.get((int) e[2]).run();
    }
    clock.advanceTo(untilNanos);
  }

  private Runnable logNow(String what) {
    return () -> log.add(what + "@" + clock.read());
  }

  @Test
  void delayedTasksRunAtTheirSimulatedTimeInOrder() {
    ScheduledFuture<?> later = scheduler.schedule(logNow("b"), 20, TimeUnit.NANOSECONDS);
    ScheduledFuture<?> sooner = scheduler.schedule(logNow("a"), 10, TimeUnit.NANOSECONDS);
    ScheduledFuture<?> sameTime = scheduler.schedule(logNow("c"), 20, TimeUnit.NANOSECONDS);

    assertThat(later.getDelay(TimeUnit.NANOSECONDS)).isEqualTo(20);
    runUntil(15);
    assertThat(log).containsExactly("a@10");
    assertThat(sooner.isDone()).isTrue();
    assertThat(later.isDone()).isFalse();
    runUntil(100);
    // Same time: in scheduling order.
    assertThat(log).containsExactly("a@10", "b@20", "c@20");
    assertThat(sameTime.isDone()).isTrue();
  }

  @Test
  void fixedDelayCountsFromTheEndOfARunAndFixedRateFromTheStart() {
    ScheduledFuture<?> delay =
        scheduler.scheduleWithFixedDelay(logNow("d"), 5, 10, TimeUnit.NANOSECONDS);
    ScheduledFuture<?> rate =
        scheduler.scheduleAtFixedRate(logNow("r"), 0, 7, TimeUnit.NANOSECONDS);

    runUntil(21);
    assertThat(log).containsExactly("r@0", "d@5", "r@7", "r@14", "d@15", "r@21");
    assertThat(delay.isDone()).isFalse();
    assertThat(rate.cancel(false)).isTrue();
    runUntil(40);
    assertThat(log).containsExactly("r@0", "d@5", "r@7", "r@14", "d@15", "r@21", "d@25", "d@35");
  }

  @Test
  void cancelledTasksDoNotRunAndShutdownRejectsNewOnes() {
    ScheduledFuture<?> f = scheduler.schedule(logNow("x"), 10, TimeUnit.NANOSECONDS);
    assertThat(f.cancel(false)).isTrue();
    assertThat(f.isCancelled()).isTrue();
    runUntil(20);
    assertThat(log).isEmpty();

    scheduler.shutdownNow();
    assertThat(scheduler.isShutdown()).isTrue();
    assertThatThrownBy(() -> scheduler.schedule(logNow("y"), 1, TimeUnit.NANOSECONDS))
        .isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void getOfATaskThatHasNotRunFailsInsteadOfBlocking() throws Exception {
    ScheduledFuture<Integer> f = scheduler.schedule(() -> 42, 10, TimeUnit.NANOSECONDS);

    assertThatThrownBy(f::get).isInstanceOf(IllegalStateException.class);
    runUntil(10);
    assertThat(f.get()).isEqualTo(42);
  }
}
