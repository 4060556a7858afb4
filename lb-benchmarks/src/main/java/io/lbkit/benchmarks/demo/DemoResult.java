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

import com.google.common.collect.ImmutableMap;
import java.util.Arrays;

/**
 * What one algorithm's run measured.
 *
 * @param algorithm the algorithm's label
 * @param requests the requests sent
 * @param ok the requests answered with 200, possibly after failover
 * @param errors the requests that got an error response or no response at all
 * @param p50Millis the median latency at the client, failed requests included
 * @param p90Millis the 90th percentile of the latency at the client, failed requests included
 * @param p99Millis the 99th percentile of the latency at the client, failed requests included
 * @param received the requests each server received, by role, retries included
 * @param ejections how many times outlier detection ejected each server, by role
 * @param errorKinds how the failed requests failed, with counts
 * @param elapsedNanos the run's wall time
 */
record DemoResult(
    String algorithm,
    int requests,
    int ok,
    int errors,
    double p50Millis,
    double p90Millis,
    double p99Millis,
    ImmutableMap<String, Long> received,
    ImmutableMap<String, Integer> ejections,
    ImmutableMap<String, Integer> errorKinds,
    long elapsedNanos) {

  /** The nearest-rank percentile of some latencies, in milliseconds; 0 if there are none. */
  static double percentileMillis(long[] latencyNanos, double percentile) {
    if (latencyNanos.length == 0) {
      return 0;
    }
    long[] sorted = latencyNanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }

  /** The requests all servers received, retries included. */
  long totalReceived() {
    return received.values().stream().mapToLong(Long::longValue).sum();
  }

  /** A server's share of all the requests the servers received, in percent. */
  double sharePercent(String role) {
    long total = totalReceived();
    Long n = received.get(role);
    return total == 0 || n == null ? 0 : 100.0 * n / total;
  }
}
