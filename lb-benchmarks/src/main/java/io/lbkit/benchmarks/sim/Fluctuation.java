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
package io.lbkit.benchmarks.sim;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Servers whose speed changes over time: every {@code periodNanos}, starting at time 0, a fresh set
 * of {@code round(slowFraction x servers)} servers, drawn at random from the run's seed, serves
 * {@code multiplier} times slower until the next change. With fraction 0.5 and multiplier 6 this is
 * the C3 paper's bimodal service rate (each server's rate flips between mu and mu/6 every T ms);
 * with a small fraction and a moderate multiplier, a moving set of servers slowed by antagonists
 * (the Prequal paper's testbed). A fixed count rather than independent coin flips keeps the fleet's
 * capacity constant, so that a utilisation is well defined. A change of speed applies to the work
 * in progress as well (the server is a processor whose rate changes), so even with a period shorter
 * than a slow service time the fleet's capacity is the mean of the two rates; for that reason a
 * fluctuating server should not also freeze (the freeze's pause would be rescaled too).
 *
 * @param periodNanos how often the slow set changes
 * @param slowFraction the fraction of servers in the slow set, in [0, 1]
 * @param multiplier the slow servers' service-time factor, at least 1
 */
public record Fluctuation(long periodNanos, double slowFraction, double multiplier) {
  /** Checks the arguments. */
  public Fluctuation {
    checkArgument(periodNanos > 0, "period must be positive");
    checkArgument(slowFraction >= 0 && slowFraction <= 1, "bad slow fraction %s", slowFraction);
    checkArgument(multiplier >= 1 && Double.isFinite(multiplier), "bad multiplier %s", multiplier);
  }

  /** The fleet's mean capacity relative to its full speed: the fast share plus the slow share. */
  double capacityFactor(int servers) {
    double slow = Math.round(slowFraction * servers) / (double) servers;
    return (1 - slow) + slow / multiplier;
  }
}
