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
 * <p>A selector builds its pickers from {@link PickerInputs}: the endpoints to choose from, the
 * whole membership, the balancer-wide in-flight total, the random source, and a per-balancer {@link
 * PickerInputs#state state store} for what outlives one snapshot (a rotation, a ring reused across
 * rebuilds). Since that state belongs to the balancer, not to the selector object, one selector
 * instance may serve any number of balancers:
 *
 * <pre>{@code
 * final class FirstHealthy implements Selector {
 *   public Picker newPicker(PickerInputs inputs) {
 *     Endpoint first = inputs.endpoints().get(0);
 *     return now -> first;
 *   }
 *   public boolean usesInFlight() { return false; }
 *   public boolean usesLatency() { return false; }
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public interface Selector {

  /**
   * Returns a picker over {@code inputs.endpoints()}, which are never empty. Called off the pick
   * path, once per published snapshot; may be slow (O(n log n) is fine). Every built-in selector
   * implements this method.
   *
   * <p>The default calls the deprecated {@link #newPicker(ImmutableList, RandomGenerator)}, so that
   * selectors written against it keep working.
   *
   * @since 0.2.0
   */
  default Picker newPicker(PickerInputs inputs) {
    return newPicker(inputs.endpoints(), inputs.random());
  }

  /**
   * Returns a picker over these endpoints, which are never empty and are all eligible.
   *
   * @deprecated implement {@link #newPicker(PickerInputs)}, which also gives the membership, the
   *     in-flight total, the random source and a per-balancer state store. For a selector that
   *     implements it, this method builds a picker from inputs of these endpoints alone (all
   *     healthy), with state kept per selector instance, as before.
   */
  @Deprecated
  default Picker newPicker(ImmutableList<Endpoint> endpoints) {
    return LegacyPickers.newPicker(this, endpoints, ThreadLocalRandomGenerator.INSTANCE, false);
  }

  /**
   * Returns a picker over these endpoints whose random choices come from {@code random}.
   *
   * @deprecated implement {@link #newPicker(PickerInputs)}. The default calls {@link
   *     #newPicker(ImmutableList)} for a selector written against it; for one that implements
   *     {@code newPicker(PickerInputs)}, it builds a picker as that method describes.
   */
  @Deprecated
  default Picker newPicker(ImmutableList<Endpoint> endpoints, RandomGenerator random) {
    return LegacyPickers.newPicker(this, endpoints, random, true);
  }

  /**
   * Whether this selector reads {@link PickerInputs#inFlightTotal(long)} on the pick path; the
   * balancer maintains the total (one more atomic add per pick and per completion) only when its
   * selector asks for it. Defaults to {@code false}; decorators pass their base's answer on.
   *
   * @since 0.2.0
   */
  default boolean usesInFlightTotal() {
    return false;
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
