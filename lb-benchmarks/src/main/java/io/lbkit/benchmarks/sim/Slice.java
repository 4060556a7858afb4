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

import com.google.common.collect.ImmutableList;

/**
 * One interval of a run's timeline: the measured requests that arrived in {@code [startNanos,
 * endNanos)} of simulated time, what became of them and where they went. A report draws these as
 * time series (latency, errors and the share of a disturbed server over the run).
 *
 * @param startNanos start of the interval, in simulated nanoseconds since the run began
 * @param endNanos end of the interval (exclusive)
 * @param requests measured requests that arrived in the interval
 * @param successes of those, answered before their deadline
 * @param timeouts of those, cut off at their deadline
 * @param errors of those, failed (an error response, or no server available)
 * @param p50Nanos median latency of those requests, 0 when there were none
 * @param p99Nanos 99th percentile latency of those requests, 0 when there were none
 * @param picks requests sent to each server in the interval, by server index
 */
public record Slice(
    long startNanos,
    long endNanos,
    int requests,
    int successes,
    int timeouts,
    int errors,
    long p50Nanos,
    long p99Nanos,
    ImmutableList<Integer> picks) {

  /** The share of this interval's requests that server {@code index} received (0 when idle). */
  public double share(int index) {
    int total = 0;
    for (int p : picks) {
      total += p;
    }
    return total == 0 ? 0.0 : (double) picks.get(index) / total;
  }

  /** Timeouts and errors over requests (0 when idle). */
  public double failureRate() {
    return requests == 0 ? 0.0 : (double) (timeouts + errors) / requests;
  }
}
