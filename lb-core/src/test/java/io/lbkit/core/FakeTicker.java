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

import com.google.common.base.Ticker;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one fake clock of lbkit's tests: a {@link Ticker} that stands still until a test moves it, so
 * that time-based behaviour (latency decay, in-flight expiry, ejections, slow start) is
 * deterministic and needs no sleeps. Public, and shipped in lb-core's test jar, so that the
 * adapters' tests use it too.
 *
 * <p>Why {@link #build} and not a plain {@code build()} for a balancer with a health feature: such
 * a balancer schedules its maintenance every tick of real time (10 ms to 1 s). With a fake ticker
 * that task would run at the fake time too, so what it does is the same as a test's own {@code
 * maintain()} call; but it would run at moments the test does not choose, for example between a
 * burst of picks and the ticker advance that should close a window, and then one evaluation
 * interval would see a part of the burst. {@link #build} gives the balancer its own scheduler and
 * shuts it down right after the balancer is built: shutting down cancels periodic tasks (the
 * executor's default policy), so the maintenance task never runs (if a loaded machine let it run
 * once before the shutdown, that run was at the construction time, where every transition is still
 * a no-op), {@code drainAndRemove} relies on maintenance (its pending removal completes on the
 * test's {@code maintain()}), and health-check chains end at their first scheduling.
 */
public final class FakeTicker extends Ticker {
  private final AtomicLong nanos;

  /** A ticker reading zero. */
  public FakeTicker() {
    this(0);
  }

  /** A ticker reading {@code startNanos}; any value, negative ones included, is a valid start. */
  public FakeTicker(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  /** A ticker starting a week from zero, so that no test depends on time starting at 0. */
  public static FakeTicker awayFromZero() {
    return new FakeTicker(Duration.ofDays(7).toNanos());
  }

  @Override
  public long read() {
    return nanos.get();
  }

  /** Moves the time forward (or backward, for a negative duration). */
  public FakeTicker advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
    return this;
  }

  /** Moves the time forward by this many nanoseconds. */
  public FakeTicker advanceNanos(long delta) {
    nanos.addAndGet(delta);
    return this;
  }

  /** Sets the time. */
  public void set(long nowNanos) {
    nanos.set(nowNanos);
  }

  /** Builds the balancer on this ticker, with maintenance left to the test (see the class doc). */
  LoadBalancer build(LoadBalancerBuilder builder) {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    try {
      return builder.ticker(this).scheduler(scheduler).build();
    } finally {
      scheduler.shutdownNow();
    }
  }

  /** Moves the time forward, then runs the balancer's maintenance at the new time. */
  void advanceAndMaintain(LoadBalancer balancer, Duration duration) {
    advance(duration);
    balancer.maintain();
  }
}
