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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Outlier detection's rate rules over one sliding window of outcomes: success rate below the
 * cluster's mean by more than a number of standard deviations, and failure percentage at or above a
 * threshold, each only when enough servers had enough requests (Envoy's rules). A pure function of
 * the windows: the balancer applies the ejections it reports.
 */
final class RateRules {
  private RateRules() {}

  /**
   * Reports each server that a rule ejects, with the reason in words.
   *
   * @param windows each server's window totals, packed (failures:32 | successes:32)
   */
  static void evaluate(
      OutlierDetection od, Map<ServerStats, Long> windows, BiConsumer<ServerStats, String> eject) {
    if (od.successRateStdevFactor > 0) {
      successRate(od, windows, eject);
    }
    if (od.failurePercentageThreshold > 0) {
      failurePercentage(od, windows, eject);
    }
  }

  private static void successRate(
      OutlierDetection od, Map<ServerStats, Long> windows, BiConsumer<ServerStats, String> eject) {
    List<ServerStats> hosts = new ArrayList<>();
    List<Double> rates = new ArrayList<>();
    windows.forEach(
        (stats, w) -> {
          long successes = (int) (long) w;
          long failures = w >>> 32;
          if (successes + failures >= od.successRateRequestVolume) {
            hosts.add(stats);
            rates.add((double) successes / (successes + failures));
          }
        });
    if (hosts.size() < od.successRateMinimumHosts) {
      return;
    }
    double mean = rates.stream().mapToDouble(Double::doubleValue).average().orElse(1.0);
    double variance =
        rates.stream().mapToDouble(r -> (r - mean) * (r - mean)).average().orElse(0.0);
    double threshold = mean - od.successRateStdevFactor * Math.sqrt(variance);
    for (int i = 0; i < hosts.size(); i++) {
      if (rates.get(i) < threshold) {
        eject.accept(
            hosts.get(i),
            String.format(
                Locale.ROOT,
                "success rate %.1f%% below the cluster's %.1f%% - %.1f stdev",
                rates.get(i) * 100,
                mean * 100,
                od.successRateStdevFactor));
      }
    }
  }

  private static void failurePercentage(
      OutlierDetection od, Map<ServerStats, Long> windows, BiConsumer<ServerStats, String> eject) {
    Map<ServerStats, Double> percentages = new LinkedHashMap<>();
    windows.forEach(
        (stats, w) -> {
          long successes = (int) (long) w;
          long failures = w >>> 32;
          if (successes + failures >= od.failurePercentageRequestVolume) {
            percentages.put(stats, 100.0 * failures / (successes + failures));
          }
        });
    if (percentages.size() < od.failurePercentageMinimumHosts) {
      return;
    }
    percentages.forEach(
        (stats, pct) -> {
          if (pct >= od.failurePercentageThreshold) {
            eject.accept(
                stats,
                String.format(Locale.ROOT, "%.1f%% failures in the last %s", pct, od.interval()));
          }
        });
  }
}
