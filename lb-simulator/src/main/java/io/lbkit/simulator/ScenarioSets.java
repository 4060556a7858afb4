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
package io.lbkit.simulator;

import com.google.common.collect.ImmutableList;
import java.util.Locale;
import java.util.Optional;

/**
 * The scenario sets {@link Simulate} runs: the default set, the long set (larger or longer variants
 * and the probing sweeps), and the lookup of a built-in scenario by its name.
 */
final class ScenarioSets {
  private ScenarioSets() {}

  private static final double[] S3_LOADS = {0.5, 0.7, 0.9, 0.95, 0.99};
  private static final long[] S4_PERIODS = {10, 100, 500};
  private static final double[] S4_UTILISATIONS = {0.45, 0.7, 0.9};

  /** The built-in scenario of this name (case-insensitive), if any. */
  static Optional<Scenario> byName(String name) {
    String key = name.toUpperCase(Locale.ROOT);
    Scenario named =
        switch (key) {
          case "S0" -> Scenarios.s0();
          case "S1" -> Scenarios.s1();
          case "S2" -> Scenarios.s2();
          case "S3" -> Scenarios.s3();
          case "S4" -> Scenarios.s4();
          case "S5" -> Scenarios.s5();
          case "S6" -> Scenarios.s6();
          case "S6B" -> Scenarios.s6b();
          case "S6C" -> Scenarios.s6c();
          case "S6D" -> Scenarios.s6d();
          case "S7" -> Scenarios.s7();
          case "S8" -> RecoveryScenarios.s8("S8", 3);
          case "S8-N10" -> RecoveryScenarios.s8("S8-N10", 10);
          case "S8-SLOW" -> RecoveryScenarios.s8Slow("S8-slow", 3);
          case "S8-SLOW-N10" -> RecoveryScenarios.s8Slow("S8-slow-N10", 10);
          case "S9" -> RecoveryScenarios.s9();
          case "S10" -> RecoveryScenarios.s10();
          case "S5-N100" -> Scenarios.s5("S5-N100", 100);
          case "S4-SWEEP" -> probingSweep(Scenarios.s4(), "S4-sweep");
          case "S7-SWEEP" -> probingSweep(Scenarios.s7(), "S7-sweep");
          case "S5-SWEEP" -> probingSweep(Scenarios.s5(), "S5-sweep");
          default -> null;
        };
    if (named != null) {
      return Optional.of(named);
    }
    for (int n : new int[] {100, 1000}) {
      for (double load : S3_LOADS) {
        String s3 = s3Name(n, load);
        if (s3.toUpperCase(Locale.ROOT).equals(key)) {
          // About 10,000 service times per server, more at n = 100 where that is cheap.
          return Optional.of(Scenarios.s3(s3, n, load, n == 100 ? 2_000_000 : 4_000_000));
        }
      }
    }
    for (long t : S4_PERIODS) {
      for (double u : S4_UTILISATIONS) {
        String s4 = s4Name(t, u);
        if (s4.toUpperCase(Locale.ROOT).equals(key)) {
          return Optional.of(Scenarios.s4(s4, t, u, 600_000));
        }
      }
    }
    return Optional.empty();
  }

  private static String s3Name(int servers, double load) {
    return String.format(Locale.ROOT, "S3-N%d-L%.2f", servers, load);
  }

  private static String s4Name(long periodMillis, double utilisation) {
    return String.format(Locale.ROOT, "S4-T%d-U%02d", periodMillis, Math.round(utilisation * 100));
  }

  /** The default set: the scenarios {@link Simulate} runs for {@code --all}, in minutes. */
  static ImmutableList<String> names() {
    return ImmutableList.of(
        "S0",
        "S1",
        "S2",
        "S3",
        "S4",
        "S5",
        "S6",
        "S6b",
        "S6c",
        "S6d",
        "S7",
        "S8",
        "S8-N10",
        "S8-slow",
        "S8-slow-N10",
        "S9",
        "S10");
  }

  /**
   * The long set: longer or larger variants that {@link #byName} also knows, run for {@code --long}
   * (the full parameter sweeps, for a quiet machine and more time): S3 at 100 and 1000 servers and
   * loads 0.5 to 0.99, S4's nine cells of flip period and utilisation (three times longer than the
   * default cell), and S5 at 100 servers and 100 clients as in Prequal's testbed.
   */
  static ImmutableList<String> longNames() {
    ImmutableList.Builder<String> names = ImmutableList.builder();
    for (int n : new int[] {100, 1000}) {
      for (double load : S3_LOADS) {
        names.add(s3Name(n, load));
      }
    }
    for (long t : S4_PERIODS) {
      for (double u : S4_UTILISATIONS) {
        names.add(s4Name(t, u));
      }
    }
    names.add("S5-N100");
    names.add("S4-sweep", "S5-sweep", "S7-sweep");
    return names.build();
  }

  /** The hot-cold quantiles of the probing sweep. */
  static final ImmutableList<Double> SWEEP_QUANTILES = ImmutableList.of(0.6, 0.7, 0.8, 0.9);

  /** The probes per request of the probing sweep. */
  static final ImmutableList<Double> SWEEP_PROBES = ImmutableList.of(0.5, 1.0, 2.0, 3.0);

  /**
   * The probing selector's sweep on a scenario (long set): every hot-cold quantile of {@link
   * #SWEEP_QUANTILES} with every rate of {@link #SWEEP_PROBES}, as policies {@code
   * probing/q=Q/r=R}, beside least connections and the clairvoyant oracle; the defaults are judged
   * against it.
   */
  static Scenario probingSweep(Scenario base, String name) {
    ImmutableList.Builder<String> policies = ImmutableList.builder();
    policies.add("least_connections", "probing");
    for (double q : SWEEP_QUANTILES) {
      for (double r : SWEEP_PROBES) {
        policies.add(String.format(Locale.ROOT, "probing/q=%.1f/r=%.1f", q, r));
      }
    }
    if (base.policies().contains("clairvoyant_oracle")) {
      policies.add("clairvoyant_oracle");
    }
    if (base.policies().contains("weighted_round_robin")) {
      policies.add("weighted_round_robin");
    }
    return new Scenario(
        name,
        base.description() + "; the probing sweep (quantile x probes per request)",
        base.servers(),
        base.concurrency(),
        base.serviceTime(),
        base.ratePerSecond(),
        base.requests(),
        base.warmupRequests(),
        base.timeoutNanos(),
        base.clients(),
        base.slowdowns(),
        policies.build(),
        base.errorBursts(),
        base.freezes(),
        base.joins(),
        base.fluctuations(),
        base.loadSteps(),
        base.reportIntervalNanos(),
        base.slowReplies(),
        base.leaves(),
        base.longStreams());
  }
}
