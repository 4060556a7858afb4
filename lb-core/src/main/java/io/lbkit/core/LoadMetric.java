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

/**
 * The load of one endpoint as a number (lower is less loaded), for {@link
 * Selectors#powerOfTwoChoices(LoadMetric)}. Implementations are called on the pick path: they must
 * be lock-free, fast and allocation-free.
 *
 * <pre>{@code
 * // Prefer servers with fewer in-flight requests per unit of weight:
 * Selector p2c = Selectors.powerOfTwoChoices(LoadMetric.weightedInFlight());
 * }</pre>
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface LoadMetric {

  /** The load of this endpoint at {@code nowNanos} (the balancer's ticker reading for the pick). */
  double load(Endpoint endpoint, long nowNanos);

  /** Whether this metric reads in-flight counts; {@code true} unless overridden. */
  default boolean usesInFlight() {
    return true;
  }

  /** Whether this metric reads latency estimates; {@code true} unless overridden. */
  default boolean usesLatency() {
    return true;
  }

  /**
   * The number of requests in flight, plus a penalty for recent failures: each failure adds one
   * that fades with the balancer's latency decay time (ignored below one half, so one failure
   * counts for about 7 s by default). Without it a server that fails fast always looks idle and
   * attracts most requests (the "black hole").
   */
  static LoadMetric inFlight() {
    return LoadMetrics.IN_FLIGHT;
  }

  /**
   * In-flight requests (with the failure penalty of {@link #inFlight()}) plus one, divided by the
   * weight: with equal load a heavier server is less loaded, and an idle server's weight decides.
   */
  static LoadMetric weightedInFlight() {
    return LoadMetrics.WEIGHTED_IN_FLIGHT;
  }

  /**
   * Peak EWMA, as Finagle and Linkerd define it: the latency estimate times (in-flight + 1),
   * divided by the weight. The estimate decays towards zero while the server is idle, so a server
   * that has not been tried for a while is tried again; a server never measured whose first answer
   * is still pending counts as very slow, so a new (possibly cold) server gets one request at a
   * time until it answers (Finagle's rule).
   */
  static LoadMetric peakEwma() {
    return LoadMetrics.PEAK_EWMA;
  }
}
