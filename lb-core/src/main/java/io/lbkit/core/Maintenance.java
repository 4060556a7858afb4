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

import com.google.common.collect.ImmutableList;
import java.lang.ref.WeakReference;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A balancer's time-based transitions, run off the pick path: every tick runs each feature's tick
 * (the end of ejections and the rate rules, the slow-start ramp, drained removals) at one reading
 * of the balancer's clock. Owns the balancer's scheduler when the balancer started it.
 *
 * <p>Runs one at a time: the scheduled run skips when another is in progress (that one does the
 * same work), and {@link #runNow()} (tests) waits for it.
 */
final class Maintenance {
  private static final Logger logger = LoggerFactory.getLogger("io.lbkit.core.LoadBalancer");

  /** The longest pause between two maintenance runs. */
  private static final long MAX_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The shortest. */
  private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final String name;
  private final Membership membership;
  private final Lifecycle lifecycle;
  private final ImmutableList<LongConsumer> ticks;
  private final @Nullable ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final @Nullable Tick periodic;

  // The AtomicBoolean's CAS (acquire) and set (release) order each run after the previous one, so
  // the features' plain tick state (ejection's next rotation, each ServerStats' window ring) is
  // only ever touched by one run at a time and sees the previous run's writes.
  private final AtomicBoolean running = new AtomicBoolean();

  /**
   * @param scheduler the balancer's scheduler, if it has one (see {@link #schedulerFor})
   * @param ownsScheduler whether the balancer started it (and so shuts it down on close)
   * @param scheduled whether ticks run on a schedule (some health feature is on)
   * @param ticks what each tick runs, in order, at the tick's time
   */
  Maintenance(
      String name,
      Membership membership,
      Lifecycle lifecycle,
      @Nullable ScheduledExecutorService scheduler,
      boolean ownsScheduler,
      boolean scheduled,
      long tickNanos,
      ImmutableList<LongConsumer> ticks) {
    this.name = name;
    this.membership = membership;
    this.lifecycle = lifecycle;
    this.ticks = ticks;
    this.ownsScheduler = ownsScheduler;
    this.scheduler = scheduler;
    ScheduledExecutorService s = scheduler;
    if (s != null && scheduled) {
      Tick task = new Tick(this, s, ownsScheduler);
      task.future = s.scheduleWithFixedDelay(task, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
      this.periodic = task;
    } else {
      this.periodic = null;
    }
  }

  /**
   * The pause between ticks: a quarter of the outlier interval (its window slots), a twentieth of
   * the slow-start window, at most a second and at least 10 ms.
   */
  static long tickNanos(@Nullable OutlierDetection outlier, @Nullable SlowStart slow) {
    long tick = MAX_TICK_NANOS;
    if (outlier != null) {
      tick = Math.min(tick, outlier.intervalNanos / OutlierEjection.WINDOW_SLOTS);
    }
    if (slow != null) {
      tick = Math.min(tick, slow.windowNanos() / 20);
    }
    return Math.max(tick, MIN_TICK_NANOS);
  }

  /**
   * The balancer's scheduler: the application's, or, when none was given and some health feature
   * needs one, a daemon thread of the balancer's own; null if neither.
   */
  static @Nullable ScheduledExecutorService schedulerFor(
      String name, @Nullable ScheduledExecutorService given, boolean needed) {
    return given != null ? given : needed ? ownScheduler(name) : null;
  }

  private static ScheduledExecutorService ownScheduler(String name) {
    AtomicInteger threads = new AtomicInteger();
    // The thread factory lives as long as the thread, and captures only the name, never the
    // balancer (see Tick).
    String threadPrefix = "lbkit-" + name + "-";
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, threadPrefix + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** The scheduler for all of the balancer's timing, if it has one. */
  @Nullable ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** Whether ticks run on a schedule. */
  boolean isScheduled() {
    return periodic != null;
  }

  /** Runs a tick now at the clock's current time, waiting for a run in progress (tests). */
  void runNow() {
    // Waits at most one run's duration; never on the pick path.
    while (!running.compareAndSet(false, true)) {
      Thread.onSpinWait();
    }
    run();
  }

  /** The scheduled run: skips when another is in progress, and never throws. */
  private void runScheduled() {
    try {
      if (running.compareAndSet(false, true)) {
        run();
      }
    } catch (RuntimeException e) {
      logger.warn("{}: maintenance failed", name, e);
    }
  }

  private void run() {
    try {
      if (lifecycle.isClosed()) {
        return;
      }
      long now = membership.now();
      for (LongConsumer tick : ticks) {
        tick.accept(now);
      }
    } finally {
      running.set(false);
    }
  }

  /** Stops the ticks, and the scheduler if the balancer started it. */
  void close() {
    Tick task = periodic;
    if (task != null) {
      task.cancel();
    }
    ScheduledExecutorService s = scheduler;
    if (ownsScheduler && s != null) {
      s.shutdownNow();
    }
  }

  /**
   * The scheduled task. It holds the maintenance weakly: the scheduler's thread holds the task, and
   * a balancer dropped without {@code close()} must still become unreachable. Once the maintenance
   * (which only the balancer holds) has been collected, the task cancels itself and shuts the
   * scheduler down if the balancer owned it, so that its thread ends too (within a tick).
   */
  private static final class Tick implements Runnable {
    private final WeakReference<Maintenance> maintenance;
    private final ScheduledExecutorService exec;
    private final boolean ownsExec;

    // Written once by the constructor's thread right after scheduling, read by the scheduler's
    // thread: volatile, so a run that follows the write sees it (a run before it finds the
    // maintenance still reachable, as the balancer's constructor is running, and does not read it).
    volatile @Nullable ScheduledFuture<?> future;

    Tick(Maintenance maintenance, ScheduledExecutorService exec, boolean ownsExec) {
      this.maintenance = new WeakReference<>(maintenance);
      this.exec = exec;
      this.ownsExec = ownsExec;
    }

    @Override
    public void run() {
      Maintenance m = maintenance.get();
      if (m != null) {
        m.runScheduled();
        return;
      }
      cancel();
      if (ownsExec) {
        exec.shutdownNow();
      }
    }

    void cancel() {
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
    }
  }
}
