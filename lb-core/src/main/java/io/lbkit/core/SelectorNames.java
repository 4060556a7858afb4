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

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMap;
import java.util.function.Supplier;

/**
 * The built-in selectors by name, behind {@link Selectors#byName} and {@link Selectors#names()}:
 * one table that every adapter, the simulator and the benchmarks read, so that a name means the
 * same selector everywhere.
 */
final class SelectorNames {
  private SelectorNames() {}

  /** The epsilon of {@code boundedLoadHash} by name: a common choice (see the paper). */
  private static final double DEFAULT_EPSILON = 0.25;

  /** The selectors by name, in the order of {@link Selectors#names()}. */
  static final ImmutableMap<String, Supplier<Selector>> ALL =
      ImmutableMap.<String, Supplier<Selector>>builder()
          .put("round_robin", Selectors::roundRobin)
          .put("weighted_round_robin", Selectors::weightedRoundRobin)
          .put("random", Selectors::random)
          .put("weighted_random", Selectors::weightedRandom)
          .put("least_connections", Selectors::leastConnections)
          .put("weighted_least_connections", Selectors::weightedLeastConnections)
          .put("power_of_two_choices", Selectors::powerOfTwoChoices)
          .put("least_response_time", Selectors::leastResponseTime)
          .put("peak_ewma", () -> Selectors.powerOfTwoChoices(LoadMetric.peakEwma()))
          .put("probing", Selectors::probing)
          .put("ring_hash", Selectors::ringHash)
          .put("maglev", Selectors::maglev)
          .put("bounded_load_hash", () -> Selectors.boundedLoadHash(DEFAULT_EPSILON))
          .buildOrThrow();

  /**
   * A new selector of that name.
   *
   * @throws IllegalArgumentException naming the unknown name and listing the known ones
   */
  static Selector create(String name) {
    requireNonNull(name, "name");
    Supplier<Selector> factory = ALL.get(name);
    if (factory == null) {
      throw new IllegalArgumentException(
          "unknown selector '" + name + "'; known: " + String.join(", ", ALL.keySet()));
    }
    return factory.get();
  }
}
