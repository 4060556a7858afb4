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
import java.util.random.RandomGenerator;

/**
 * One load-balancing algorithm. A selector turns each immutable snapshot of eligible servers into a
 * {@link Picker}, and the picker chooses one endpoint per request.
 *
 * <p>The balancer calls {@link #newPicker} off the pick path, once per change of membership, weight
 * or health, and publishes the picker atomically with the snapshot it was built from (gRPC-java's
 * "picker" pattern). All precomputation (weight tables, schedules) belongs there; {@link
 * Picker#pick} must be lock-free, must not allocate, and must be safe to call from any number of
 * threads at once.
 *
 * <p>Get the built-in algorithms from {@link Selectors}:
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancer.builder()
 *     .selector(Selectors.leastResponseTime())
 *     .servers(servers)
 *     .build();
 * }</pre>
 *
 * <p>A selector may keep state shared by all its pickers (a counter that survives snapshots), so
 * give each balancer its own instance: the factories in {@link Selectors} return a new one per
 * call, and a balancer's build fails if a built-in selector with such state is already used by
 * another open balancer.
 *
 * @since 0.1.0
 */
public interface Selector {

  /**
   * Returns a picker over these endpoints, which are never empty and are all eligible. Called off
   * the pick path; may be slow (O(n log n) is fine).
   */
  Picker newPicker(ImmutableList<Endpoint> endpoints);

  /**
   * Returns a picker over these endpoints whose random choices (a random draw, a tie-break, a
   * starting position) come from {@code random}. The balancer builds its pickers through this
   * method, passing the generator of {@link LoadBalancerBuilder#random} (by default each thread's
   * {@code ThreadLocalRandom}), so that a seeded generator makes a run of picks reproducible. The
   * default ignores {@code random} and calls {@link #newPicker(ImmutableList)}: a selector that
   * makes random choices overrides this method, as all built-in ones do.
   *
   * @param random the generator to draw from on the pick path; called from every thread that picks
   */
  default Picker newPicker(ImmutableList<Endpoint> endpoints, RandomGenerator random) {
    return newPicker(endpoints);
  }

  /**
   * Whether this selector reads {@link Endpoint#inFlight()}; the balancer counts in-flight requests
   * only when some reader needs them. Defaults to {@code true}.
   */
  default boolean usesInFlight() {
    return true;
  }

  /**
   * Whether this selector reads {@link Endpoint#latencyEstimateNanos()}; the balancer times picks
   * only when some reader needs it. Defaults to {@code true}.
   */
  default boolean usesLatency() {
    return true;
  }

  /** A short name for logs and metrics, such as {@code round_robin}. */
  default String name() {
    return getClass().getSimpleName();
  }

  /**
   * Chooses an endpoint from one immutable snapshot. Implementations are immutable apart from
   * atomic counters, lock-free and allocation-free.
   */
  @FunctionalInterface
  interface Picker {
    /**
     * Returns one of the endpoints the picker was built from.
     *
     * @param nowNanos the balancer's ticker reading for this pick, or 0 when the selector uses
     *     neither in-flight counts nor latency
     */
    Endpoint pick(long nowNanos);

    /**
     * Returns one of the endpoints for a request with this context. Selectors that route by request
     * (hashing, subsets, zones) override this; the default ignores the context.
     *
     * @param nowNanos as for {@link #pick(long)}
     */
    default Endpoint pick(PickContext context, long nowNanos) {
      return pick(nowNanos);
    }
  }
}
