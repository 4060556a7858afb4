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

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;

/**
 * How latency samples become a per-server estimate: the peak-EWMA decay time, and how failures are
 * penalised so that a server failing fast is not mistaken for a fast one.
 */
final class LatencyModel {
  static final LatencyModel DEFAULT =
      new LatencyModel(Duration.ofMillis(500), 2.0, Duration.ofMillis(10));

  /**
   * How many decay times the slow memories last: the failure penalty of the in-flight metrics and
   * the peak-EWMA metric's decay towards zero (10 s at the default decay, as Finagle's).
   */
  static final int SLOW_FACTOR = 20;

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
