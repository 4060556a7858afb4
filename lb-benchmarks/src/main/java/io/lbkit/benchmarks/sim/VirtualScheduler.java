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

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ScheduledExecutorService} on simulated time: every task, delayed or periodic, becomes an
 * event in the simulation's event queue at its simulated due time and runs on the simulation's one
 * thread when the loop reaches it. Handed to each simulated balancer as its scheduler, it makes the
 * balancer's maintenance (ejection ends, outlier rate rules, slow-start ramps), its active health
 * checks and drain polling run on simulated time, deterministically, in the order of the event
 * queue (time, then scheduling order).
 *
 * <p>Single-threaded by design: only the simulation loop calls it and runs its tasks. {@link
 * Future#get()} of a task that has not run yet throws instead of blocking (blocking would stop the
 * only thread that can run it).
 */
final class VirtualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  /** Where the scheduler puts its tasks: the simulation's event queue. */
  interface EventQueue {
    /** Runs {@code task} when simulated time reaches {@code timeNanos}. */
    void at(long timeNanos, Runnable task);
  }

  private final SimClock clock;
  private final EventQueue queue;
  private boolean shutdown;

  VirtualScheduler(SimClock clock, EventQueue queue) {
    this.clock = clock;
    this.queue = queue;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    requireNonNull(command, "command");
    return submitTask(new Task<>(() -> run(command), unit.toNanos(delay), 0));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    requireNonNull(callable, "callable");
    return submitTask(new Task<>(callable, unit.toNanos(delay), 0));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    requireNonNull(command, "command");
    long p = unit.toNanos(period);
    if (p <= 0) {
      throw new IllegalArgumentException("period must be positive");
    }
    return submitTask(new Task<>(() -> run(command), unit.toNanos(initialDelay), p));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    requireNonNull(command, "command");
    long d = unit.toNanos(delay);
    if (d <= 0) {
      throw new IllegalArgumentException("delay must be positive");
    }
    // A negative period marks a fixed delay, as in ScheduledThreadPoolExecutor.
    return submitTask(new Task<>(() -> run(command), unit.toNanos(initialDelay), -d));
  }

  @Override
  public void execute(Runnable command) {
    // Failures of an executed task are the task's own business, as with any executor.
    ScheduledFuture<?> unused = schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  private static @Nullable Object run(Runnable command) {
    command.run();
    return null;
  }

  private <V> Task<V> submitTask(Task<V> task) {
    if (shutdown) {
      throw new RejectedExecutionException("the simulation is over");
    }
    queue.at(task.dueNanos, task);
    return task;
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }

  /** One scheduled task; runs as an event, and a periodic one puts itself back in the queue. */
  private final class Task<V> implements ScheduledFuture<V>, Runnable {
    private final Callable<V> body;
    // 0: once; > 0: fixed rate; < 0: fixed delay of -period.
    private final long period;
    private long dueNanos;
    private boolean cancelled;
    private boolean done;
    private @Nullable V value;
    private @Nullable Throwable failure;

    Task(Callable<V> body, long delayNanos, long period) {
      this.body = body;
      this.period = period;
      this.dueNanos = clock.read() + Math.max(0, delayNanos);
    }

    @Override
    public void run() {
      if (cancelled || done) {
        return;
      }
      try {
        V v = body.call();
        if (period == 0) {
          value = v;
          done = true;
          return;
        }
      } catch (Exception | Error e) {
        // As in the JDK: a failed task, periodic or not, completes exceptionally and stops.
        failure = e;
        done = true;
        return;
      }
      if (shutdown) {
        done = true;
        return;
      }
      dueNanos = period > 0 ? dueNanos + period : clock.read() - period;
      queue.at(dueNanos, this);
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - clock.read(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done || cancelled) {
        return false;
      }
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public @Nullable V get() throws ExecutionException {
      if (cancelled) {
        throw new CancellationException();
      }
      if (!done) {
        throw new IllegalStateException(
            "a simulated task has not run yet; waiting for it would stop the simulation");
      }
      Throwable f = failure;
      if (f != null) {
        throw new ExecutionException(f);
      }
      return value;
    }

    @Override
    public @Nullable V get(long timeout, TimeUnit unit) throws ExecutionException {
      return get();
    }
  }
}
