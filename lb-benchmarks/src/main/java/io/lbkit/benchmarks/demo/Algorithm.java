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
package io.lbkit.benchmarks.demo;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import java.util.function.Supplier;

/**
 * One algorithm the demo runs: a name for the table, a fresh selector for each run (selectors keep
 * per-balancer state), and whether requests pick by a hash key.
 *
 * @param name the label in the table
 * @param selector makes the selector of one run's balancer
 * @param hashKeyed whether the interceptor picks by the request's user header (for hash selectors)
 */
record Algorithm(String name, Supplier<Selector> selector, boolean hashKeyed) {
  static final Algorithm ROUND_ROBIN = of("round robin", "round_robin", false);
  static final Algorithm WEIGHTED_ROUND_ROBIN =
      of("weighted round robin", "weighted_round_robin", false);
  static final Algorithm RANDOM = of("random", "random", false);
  static final Algorithm LEAST_CONNECTIONS = of("least connections", "least_connections", false);
  static final Algorithm POWER_OF_TWO_CHOICES =
      of("power of two choices", "power_of_two_choices", false);
  static final Algorithm LEAST_RESPONSE_TIME =
      of("least response time", "least_response_time", false);
  static final Algorithm MAGLEV = of("maglev (by user)", "maglev", true);

  /** The algorithm lbkit knows by {@code selectorName} ({@link Selectors#byName}). */
  private static Algorithm of(String label, String selectorName, boolean hashKeyed) {
    Selectors.byName(selectorName); // an unknown name fails when the demo starts
    return new Algorithm(label, () -> Selectors.byName(selectorName), hashKeyed);
  }

  /** Every algorithm, in the order of the table. */
  static final ImmutableList<Algorithm> ALL =
      ImmutableList.of(
          ROUND_ROBIN,
          WEIGHTED_ROUND_ROBIN,
          RANDOM,
          LEAST_CONNECTIONS,
          POWER_OF_TWO_CHOICES,
          LEAST_RESPONSE_TIME,
          MAGLEV);
}
