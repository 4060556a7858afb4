package io.lbkit.core;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;

/**
 * How latency samples become a per-server estimate: the peak-EWMA decay time, and how failures are
 * penalised so that a server failing fast is not mistaken for a fast one.
 */
final class LatencyModel {
  static final LatencyModel DEFAULT =
      new LatencyModel(Duration.ofSeconds(10), 2.0, Duration.ofMillis(10));

  final double decayNanos;
  final double failureFactor;
  final double failureFloorNanos;

  LatencyModel(Duration decay, double failureFactor, Duration failureFloor) {
    Durations.checkPositive(decay, "latency model decay");
    checkArgument(
        failureFactor >= 1.0 && Double.isFinite(failureFactor),
        "failure penalty factor must be a finite number >= 1 but was %s",
        failureFactor);
    Durations.checkNonNegative(failureFloor, "latency model failure floor");
    this.decayNanos = decay.toNanos();
    this.failureFactor = failureFactor;
    this.failureFloorNanos = failureFloor.toNanos();
  }
}
