package io.lbkit.core;

import com.google.common.base.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * What one balancer records per pick, fixed when it is built: whether it counts in-flight requests
 * and times picks, its ticker, the in-flight expiry epoch length and the latency model. Immutable;
 * shared by the balancer's endpoints and pick handles, apart from one hint: the fleet's typical
 * latency estimate, which least response time publishes while it scans and completions read to
 * bound how far one slow reply can raise an estimate.
 */
final class StatsRecorder {
  private static final VarHandle FLEET_LATENCY;

  static {
    try {
      FLEET_LATENCY =
          MethodHandles.lookup().findVarHandle(StatsRecorder.class, "fleetLatencyBits", long.class);
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
  final double tauNanos;
  final double slowTauNanos;
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
    this.slowTauNanos = model.decayNanos * LatencyModel.SLOW_FACTOR;
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
    return e.stats.latencyEstimate(nowNanos, slowTauNanos, inFlight == 0);
  }
}
