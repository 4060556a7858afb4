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

import com.google.errorprone.annotations.Immutable;
import java.time.Duration;

/**
 * Slow start: a server that is new, or that comes back from ejection, ramps its effective weight up
 * over a window instead of taking its full share at once, so that a cold JVM or an empty cache
 * behind it is not flooded. Applies to every selector: weighted ones see the reduced weight,
 * unweighted ones (round robin, random, least connections) are weighted by the ramp while any
 * server warms up.
 *
 * <p>The weight factor at time t into the window is {@code max(minWeightPercent / 100, (t /
 * window)^(1 / aggression))}, as in Envoy: aggression 1 is a linear ramp, larger values give more
 * traffic early.
 *
 * <pre>{@code
 * LoadBalancer.builder()
 *     .selector(Selectors.leastResponseTime())
 *     .slowStart(SlowStart.of(Duration.ofSeconds(30)))
 *     ...
 * }</pre>
 *
 * @since 0.1.0
 */
@Immutable
public final class SlowStart {
  private final long windowNanos;
  private final double aggression;
  private final double minWeightFraction;

  private SlowStart(Duration window, double aggression, double minWeightPercent) {
    Durations.checkPositive(window, "slow start window");
    checkArgument(
        aggression > 0 && Double.isFinite(aggression),
        "slow start aggression must be a positive finite number but was %s",
        aggression);
    checkArgument(
        minWeightPercent > 0 && minWeightPercent <= 100,
        "slow start minWeightPercent must be in (0, 100] but was %s",
        minWeightPercent);
    this.windowNanos = window.toNanos();
    this.aggression = aggression;
    this.minWeightFraction = minWeightPercent / 100.0;
  }

  /**
   * A linear ramp over {@code window}, starting at 10% of the weight.
   *
   * @throws IllegalArgumentException naming the value if the window is not in [1 ms, 1 day]
   */
  public static SlowStart of(Duration window) {
    return new SlowStart(window, 1.0, 10);
  }

  /**
   * A ramp over {@code window} with the given aggression and starting weight.
   *
   * @param aggression 1 for linear; above 1 ramps faster early, below 1 slower
   * @param minWeightPercent the least share of its weight a warming server gets, in (0, 100]
   * @throws IllegalArgumentException naming the value if one is out of range (the window must be in
   *     [1 ms, 1 day])
   */
  public static SlowStart of(Duration window, double aggression, double minWeightPercent) {
    return new SlowStart(window, aggression, minWeightPercent);
  }

  /** The ramp window. */
  public Duration window() {
    return Duration.ofNanos(windowNanos);
  }

  long windowNanos() {
    return windowNanos;
  }

  /** The weight factor, in (0, 1], {@code elapsedNanos} into the window. */
  double factor(long elapsedNanos) {
    if (elapsedNanos >= windowNanos) {
      return 1.0;
    }
    double t = Math.max(0, elapsedNanos) / (double) windowNanos;
    double ramp = aggression == 1.0 ? t : Math.pow(t, 1.0 / aggression);
    return Math.max(minWeightFraction, ramp);
  }

  @Override
  public String toString() {
    return "SlowStart{window="
        + window()
        + ", aggression="
        + aggression
        + ", minWeightPercent="
        + minWeightFraction * 100
        + '}';
  }
}
