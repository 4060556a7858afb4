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
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One balancer's accounting of its picks: the clock they read and how each pick's outcome is
 * recorded into its server's statistics ({@link #record}). What it counts is fixed when the
 * balancer is built: whether it counts in-flight requests and times picks, its ticker, the
 * in-flight expiry epoch length and the latency model; the coarse clock that picks read instead of
 * the ticker when only the in-flight count needs the time; and one hint: the fleet's typical
 * latency estimate, which least response time publishes while it scans and completions read to
 * bound how far one slow reply can raise an estimate. Shared by the balancer's endpoints and pick
 * handles.
 *
 * <p>Coarse clock. The in-flight count needs the time only to tell epochs of {@code epochNanos} (at
 * least 1 ms, five minutes by default) apart, and the failure penalty decays over seconds; a ticker
 * read costs about as much as the rest of such a pick. So, with the system ticker and a selector
 * that does not time picks, a pick reads the last published time instead, and every 64th pick of
 * each server (counted on that server's statistics, next to the in-flight word the pick writes
 * anyway, from a random start per server so that servers take turns) reads the ticker and publishes
 * it ({@link #countPick}): one pick in 64 on average, with no shared counter to contend on, no
 * random draw on the pick path, and the balancer's seeded generator left alone. Every other ticker
 * read of the balancer (maintenance ticks, status, drains, endpoint reads) publishes too. The time
 * a pick sees thus lags by about the time of the last 64 picks, or one maintenance tick, whichever
 * is shorter. A custom ticker (tests, simulations) is read on every pick, so that fake time is
 * exact and runs stay reproducible, unless it is marked {@link RealTime}.
 */
final class Accounting {
  private static final VarHandle FLEET_LATENCY;

  static {
    try {
      FLEET_LATENCY =
          MethodHandles.lookup().findVarHandle(Accounting.class, "fleetLatencyBits", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * How many times the fleet's typical estimate one successful sample can raise a server's estimate
   * to (a failure is not capped). One 100 ms reply among 1 ms ones then costs the server a few
   * hundred milliseconds of decay rather than tens of seconds. A server that stays slower is held
   * at about this factor over the fleet, which its in-flight count then multiplies; one that times
   * out or fails climbs without bound.
   */
  static final double PEAK_LIMIT = 3.0;

  // The double bits of the fleet's typical latency estimate (0: unknown). A hint, read and written
  // in opaque mode: the access is atomic (no torn double) and becomes visible soon, and nothing
  // else is published through it, so no ordering with other memory is needed. A stale value only
  // makes one sample's ceiling a little off.
  @SuppressWarnings("UnusedVariable") // accessed through FLEET_LATENCY
  private long fleetLatencyBits;

  final Ticker ticker;
  final boolean trackInFlight;
  final boolean trackLatency;
  final long epochNanos;
  private final long epochReciprocal;
  final double decayNanos;
  final double slowDecayNanos;
  final double failureFactor;
  final double failureFloorNanos;

  /** Whether picks read {@link #coarseNanos} instead of the ticker. */
  final boolean coarse;

  // The last published ticker reading, for picks in coarse mode. Volatile only so that a published
  // value reaches other threads promptly and a long is never torn; nothing else is ordered by it:
  // it is a hint that readers take as "the time, roughly", and the in-flight buckets tolerate an
  // epoch that is stale or, when two publishers race, a few nanoseconds older than the last one
  // (ServerStats: an acquire for an older epoch is either counted in its own bucket or not at all,
  // and its release then matches or changes nothing). A plain load on x86 and ARM (ldar).
  private volatile long coarseNanos;

  /** Who learns from outcomes besides the statistics (outlier detection), if anyone. */
  final @Nullable OutcomeSink outcomes;

  // The application's observers, or null without any. Set once by the balancer's constructor right
  // after this is built and before the balancer is returned, so a plain field: every thread that
  // can report an outcome reached the balancer (or its endpoints) after the constructor ended, and
  // the balancer's final fields publish it with them.
  private @Nullable ObserverChain observers;

  // Whether an outcome is recorded at all (recordsOutcomes); set with the observers, and published
  // with them in the same way.
  private boolean recordsOutcomes;

  /**
   * Marks a ticker that reads real time, such as one that wraps the system ticker to count its
   * reads: picks may read the coarse clock with it, as with the system ticker. Any other custom
   * ticker is read on every pick that needs the time.
   */
  interface RealTime {}

  /** Receives every reported outcome; called on the reporting thread, must not block. */
  @FunctionalInterface
  interface OutcomeSink {
    void onOutcome(Endpoint endpoint, Outcome outcome);
  }

  Accounting(
      Ticker ticker,
      boolean trackInFlight,
      boolean trackLatency,
      long epochNanos,
      LatencyModel model,
      @Nullable OutcomeSink outcomes) {
    this.ticker = ticker;
    this.trackInFlight = trackInFlight;
    this.trackLatency = trackLatency;
    this.epochNanos = epochNanos;
    // floor((2^64 - 1) / epochNanos): positive as a signed long for any epoch of 1 ms or more.
    this.epochReciprocal = Long.divideUnsigned(-1L, epochNanos);
    this.decayNanos = model.decayNanos;
    this.slowDecayNanos = model.decayNanos * LatencyModel.SLOW_FACTOR;
    this.failureFactor = model.failureFactor;
    this.failureFloorNanos = model.failureFloorNanos;
    this.outcomes = outcomes;
    this.coarse =
        trackInFlight
            && !trackLatency
            && (ticker == Ticker.systemTicker() || ticker instanceof RealTime);
    this.coarseNanos = ticker.read();
  }

  /**
   * The time for one pick: 0 when the selector needs none; the coarse clock when only the in-flight
   * count needs it (see the class comment); otherwise a ticker reading.
   */
  long pickTime() {
    if (coarse) {
      // One volatile load (a plain load on x86 and ARM); countPick refreshes it.
      return coarseNanos;
    }
    return trackInFlight || trackLatency ? ticker.read() : 0L;
  }

  /**
   * Called once per pick counted in flight on {@code stats}, after its acquire: in coarse mode,
   * every 64th pick of that server reads the ticker, which publishes the reading to the coarse
   * clock. Lock-free and allocation-free: a plain increment of a field on the line the acquire just
   * wrote, and one pick in 64 a ticker read and a volatile store.
   */
  void countPick(ServerStats stats) {
    if (coarse && stats.countPick()) {
      read();
    }
  }

  /** The coarse clock's last published reading. */
  long coarseNanos() {
    return coarseNanos;
  }

  /** Reads the ticker, and publishes the reading to the coarse clock if picks use it. */
  long read() {
    long now = ticker.read();
    // Only forward, and only in coarse mode: racing publishers may still leave a slightly older
    // value (check-then-store), which the buckets tolerate (see coarseNanos).
    if (coarse && now - coarseNanos > 0) {
      coarseNanos = now;
    }
    return now;
  }

  int epoch(long nowNanos) {
    // now / epochNanos by a multiply-high with the precomputed reciprocal instead of a 64-bit
    // division: this runs once per endpoint a selector looks at, so it is on the pick path. The
    // result is monotone in now and steps about every epochNanos (the truncated reciprocal shifts
    // the boundaries by about now * epochNanos / 2^64 ns: milliseconds after days of uptime),
    // which is all the in-flight buckets need: a consistent, monotone epoch of roughly that length.
    // Truncating to int is deliberate: epochs are compared by signed
    // difference, which survives the wrap, and only the last two epochs ever matter.
    return (int) Math.multiplyHigh(nowNanos, epochReciprocal);
  }

  /**
   * Records how one pick of {@code e} ended, exactly once per pick (the caller sees to that): the
   * in-flight release in the pick's epoch (with its response start, if {@code started}), a
   * failure's load penalty, the latency sample unless the response start already took it (a failure
   * is sampled anyway), and the outcome for outlier detection.
   */
  void record(
      Endpoint e, long startNanos, int epoch, Outcome outcome, long latencyNanos, boolean started) {
    // The endpoint is read only by the branches that need its statistics: a balancer that tracks
    // nothing per server completes a pick without touching it (see Pick's accounting field).
    if (trackInFlight) {
      ServerStats stats = e.stats;
      if (started) {
        // Before the release: see ServerStats.awaiting.
        stats.unstart(epoch);
      }
      stats.release(epoch);
      ServerStats total = e.total;
      if (total != null) {
        total.release(epoch);
      }
      if (outcome.isFailure()) {
        // A failure counts as load for a while, so that a server failing fast does not look idle
        // to the in-flight metrics (and attract every request).
        stats.recordFailure(read(), slowDecayNanos);
      }
    }
    if (trackLatency && outcome != Outcome.CANCELLED && (outcome.isFailure() || !started)) {
      e.stats.recordLatency(
          startNanos + Math.max(0, latencyNanos),
          latencyNanos,
          decayNanos,
          outcome.isFailure(),
          failureFactor,
          failureFloorNanos,
          fleetLatency(),
          PEAK_LIMIT);
    }
    OutcomeSink sink = outcomes;
    if (sink != null) {
      sink.onOutcome(e, outcome);
    }
    ObserverChain chain = observers;
    if (chain != null) {
      chain.outcome(e.server, outcome, latencyNanos);
    }
  }

  /**
   * Records the latency sample of a pick of {@code e} whose response started after {@code
   * latencyNanos}: its time to first response. The caller counts the start ({@link
   * ServerStats#start}) and sees to it that this happens at most once per pick, before its outcome.
   */
  void recordResponseStart(Endpoint e, long startNanos, long latencyNanos) {
    if (trackLatency) {
      e.stats.recordLatency(
          startNanos + Math.max(0, latencyNanos),
          latencyNanos,
          decayNanos,
          false,
          failureFactor,
          failureFloorNanos,
          fleetLatency(),
          PEAK_LIMIT);
    }
  }

  /**
   * Whether an outcome is recorded at all: by the statistics (in-flight counts, latency), by
   * outlier detection or by observers. A balancer whose selector tracks nothing and that has none
   * of those completes a pick without reading its endpoint.
   */
  boolean recordsOutcomes() {
    return recordsOutcomes;
  }

  /** The application's observers, or null without any. */
  @Nullable ObserverChain observers() {
    return observers;
  }

  /**
   * Sets the application's observers (null: none), once, right after this is built and before the
   * balancer that owns it is returned (see the field).
   */
  void observers(@Nullable ObserverChain chain) {
    this.observers = chain;
    this.recordsOutcomes = trackInFlight || trackLatency || outcomes != null || chain != null;
  }

  /** The in-flight count of an endpoint at {@code nowNanos}. */
  int inFlight(Endpoint e, long nowNanos) {
    return e.stats.inFlight(epoch(nowNanos));
  }

  /** The in-flight requests of an endpoint still awaiting their first response. */
  int awaiting(Endpoint e, long nowNanos) {
    return e.stats.awaiting(epoch(nowNanos));
  }

  /** The fleet's typical latency estimate in nanoseconds as last published, or 0 if unknown. */
  double fleetLatency() {
    return Double.longBitsToDouble((long) FLEET_LATENCY.getOpaque(this));
  }

  /**
   * Publishes the fleet's typical latency estimate. Writes only when it moved by more than 1/16, so
   * that picks on many threads do not keep dirtying a shared cache line.
   */
  void publishFleetLatency(double nanos) {
    double old = fleetLatency();
    if (Math.abs(nanos - old) > old * 0.0625) {
      FLEET_LATENCY.setOpaque(this, Double.doubleToRawLongBits(nanos));
    }
  }

  /** The decayed-when-idle latency estimate of an endpoint at {@code nowNanos}. */
  double latency(Endpoint e, long nowNanos, int inFlight) {
    return e.stats.latencyEstimate(nowNanos, slowDecayNanos, inFlight == 0);
  }
}
