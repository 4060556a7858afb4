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

import com.google.common.base.Splitter;
import io.lbkit.core.ActiveHealthCheck;
import io.lbkit.core.HealthChecker;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.SlowStart;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A policy name taken apart: the selector ({@link Policies}) and the balancer's health features,
 * given as suffixes: {@code least_response_time+od} adds outlier detection, {@code +ss} slow start,
 * {@code +hc} active health checks (against a simulated health endpoint, see {@link Simulation}),
 * {@code +decay=100ms} (or {@code =2s}) sets the latency model's decay time instead of its 10 s
 * default, in any order ({@code round_robin+od+ss}). These belong to the policy rather than the
 * scenario so that one table compares a selector with and without them.
 *
 * <p>Outlier detection is Envoy's defaults (5 consecutive failures, success-rate rule, 10 s
 * interval, 30 s base ejection with 10% jitter from the run's seed, at most 10% of the servers
 * ejected). Slow start is a linear 10 s ramp from 10% of the weight. Active checks run every second
 * (jitter up to 100 ms, from the run's seed), time out after 500 ms, and use lbkit's default
 * thresholds (3 failures to mark a server unhealthy, 2 passes to bring it back). All run on
 * simulated time through the simulation's {@link VirtualScheduler}.
 *
 * @param selector the selector's name
 * @param outlierDetection whether outlier detection is on
 * @param slowStart whether slow start is on
 * @param healthCheck whether active health checks are on
 * @param decay the latency model's decay time, or null for the balancer's default
 */
record PolicySpec(
    String selector,
    boolean outlierDetection,
    boolean slowStart,
    boolean healthCheck,
    @Nullable Duration decay) {

  /** The latency model's other settings, as the balancer's defaults, when a decay is given. */
  static final double FAILURE_FACTOR = 2.0;

  static final Duration FAILURE_FLOOR = Duration.ofMillis(10);

  /** The outlier detection of {@code +od}. */
  static final OutlierDetection OUTLIER_DETECTION = OutlierDetection.defaults();

  /** The slow start of {@code +ss}. */
  static final SlowStart SLOW_START = SlowStart.of(Duration.ofSeconds(10));

  /** The active health checks of {@code +hc}, against this checker. */
  static ActiveHealthCheck healthCheck(HealthChecker checker) {
    return ActiveHealthCheck.builder(checker)
        .interval(Duration.ofSeconds(1))
        .timeout(Duration.ofMillis(500))
        .jitter(Duration.ofMillis(100))
        .build();
  }

  /**
   * Parses a policy name.
   *
   * @throws IllegalArgumentException for an unknown suffix
   */
  static PolicySpec parse(String policy) {
    List<String> parts =
        Splitter.on('+').trimResults().splitToList(policy.toLowerCase(Locale.ROOT));
    boolean od = false;
    boolean ss = false;
    boolean hc = false;
    Duration decay = null;
    for (String suffix : parts.subList(1, parts.size())) {
      if (suffix.startsWith("decay=")) {
        decay = parseDuration(suffix.substring("decay=".length()), policy);
        continue;
      }
      if (suffix.equals("od")) {
        od = true;
      } else if (suffix.equals("ss")) {
        ss = true;
      } else if (suffix.equals("hc")) {
        hc = true;
      } else {
        throw new IllegalArgumentException(
            "unknown policy suffix '+"
                + suffix
                + "' in '"
                + policy
                + "'; known: +od, +ss, +hc, +decay=<n>ms, +decay=<n>s");
      }
    }
    return new PolicySpec(parts.get(0), od, ss, hc, decay);
  }

  private static Duration parseDuration(String text, String policy) {
    try {
      if (text.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      }
      if (text.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
      }
    } catch (NumberFormatException e) {
      // Falls through to the message below.
    }
    throw new IllegalArgumentException(
        "bad decay '" + text + "' in '" + policy + "'; write it as 100ms or 2s");
  }
}
