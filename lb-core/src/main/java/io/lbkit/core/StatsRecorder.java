package io.lbkit.core;

import com.google.common.base.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * What one balancer records per pick, fixed when it is built: whether it counts in-flight requests
 * and times picks, its ticker, the in-flight expiry epoch length and the latency model. Immutable;
 * shared by the balancer's endpoints and pick handles.
 */
final class StatsRecorder {
  final Ticker ticker;
  final boolean trackInFlight;
  final boolean trackLatency;
  final long epochNanos;
  private final long epochReciprocal;
  final double tauNanos;
  final double failureFactor;
  final double failureFloorNanos;

  /** Who learns from outcomes besides the statistics (outlier detection), if anyone. */
  final @Nullable OutcomeSink outcomes;

  /** Receives every reported outcome; called on the reporting thread, must not block. */
  @FunctionalInterface
  interface OutcomeSink {
    void onOutcome(Endpoint endpoint, Outcome outcome);
  }

  StatsRecorder(
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
    this.tauNanos = model.decayNanos;
    this.failureFactor = model.failureFactor;
    this.failureFloorNanos = model.failureFloorNanos;
    this.outcomes = outcomes;
  }

  /** Whether a pick needs a ticker reading at all. */
  boolean needsTime() {
    return trackInFlight || trackLatency;
  }

  long read() {
    return ticker.read();
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

  /** The in-flight count of an endpoint at {@code nowNanos}. */
  int inFlight(Endpoint e, long nowNanos) {
    return e.stats.inFlight(epoch(nowNanos));
  }

  /** The decayed-when-idle latency estimate of an endpoint at {@code nowNanos}. */
  double latency(Endpoint e, long nowNanos, int inFlight) {
    return e.stats.latencyEstimate(nowNanos, tauNanos, inFlight == 0);
  }
}
