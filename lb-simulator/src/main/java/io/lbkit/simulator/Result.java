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
import java.util.List;

/**
 * What one run of one policy on one scenario measured, over the requests after the warm-up.
 * Latencies are what the client saw: a timed-out request counts at its deadline.
 *
 * @param scenario the scenario's name
 * @param policy the policy's name
 * @param seed the run's seed
 * @param requests measured requests
 * @param successes requests answered before their deadline
 * @param timeouts requests that hit their deadline
 * @param errors requests that found no server or failed
 * @param meanNanos mean latency
 * @param p50Nanos median latency
 * @param p99Nanos 99th percentile latency
 * @param p999Nanos 99.9th percentile latency
 * @param maxNanos highest latency
 * @param shares each server's share of the measured picks, by server index
 * @param timeline the measured requests in consecutive intervals of simulated time, by arrival
 * @param ejections how many times outlier detection ejected a server, over all clients' balancers
 *     and the whole run (0 without outlier detection)
 * @param probesPerRequest the probes the probing selector sent per request, over all clients and
 *     the whole run (0 for other policies)
 */
public record Result(
    String scenario,
    String policy,
    long seed,
    int requests,
    int successes,
    int timeouts,
    int errors,
    double meanNanos,
    long p50Nanos,
    long p99Nanos,
    long p999Nanos,
    long maxNanos,
    ImmutableList<Double> shares,
    ImmutableList<Slice> timeline,
    int ejections,
    double probesPerRequest) {

  /**
   * The relative standard deviation of the per-server counts of measured picks (their population
   * standard deviation over their mean, the same for the shares): the spread of load over the
   * servers.
   */
  public double pickRsd() {
    return relativeStandardDeviation(shares);
  }

  /** Population standard deviation over mean; 0 for no values or a zero mean. */
  static double relativeStandardDeviation(List<Double> values) {
    if (values.isEmpty()) {
      return 0;
    }
    double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    if (mean == 0) {
      return 0;
    }
    double variance = 0;
    for (double v : values) {
      variance += (v - mean) * (v - mean);
    }
    return Math.sqrt(variance / values.size()) / mean;
  }

  /** Successes over measured requests. */
  public double successRate() {
    return (double) successes / requests;
  }

  /** Timeouts over measured requests. */
  public double timeoutRate() {
    return (double) timeouts / requests;
  }

  /** Errors over measured requests. */
  public double errorRate() {
    return (double) errors / requests;
  }

  /** Mean latency in milliseconds. */
  public double meanMillis() {
    return meanNanos / 1e6;
  }
}
