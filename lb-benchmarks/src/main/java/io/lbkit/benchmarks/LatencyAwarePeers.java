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
package io.lbkit.benchmarks;

import org.openjdk.jmh.annotations.Param;

/**
 * Latency-aware selection: lbkit's least response time next to Dubbo's {@code shortestresponse} and
 * {@code adaptive} and Ribbon's {@code WeightedResponseTimeRule}. Every server starts with a
 * recorded response time of 0.1 to 2 ms (lbkit: {@code Fixtures.primeLatencies}; Dubbo
 * shortestresponse and Ribbon: {@link PeerKeys#latencyMicros} as one completed call, in their own
 * unit). What each measured call includes:
 *
 * <ul>
 *   <li>{@code lbkit}: {@code Selectors.leastResponseTime()} picker alone, {@code
 *       picker.pick(now)}.
 *   <li>{@code lbkit_full}: {@code balancer.pick()} then {@code complete(Outcome.SUCCESS)}: the
 *       in-flight accounting, two ticker reads and the latency sample.
 *   <li>{@code lbkit_endpoint_full}: the same without the handle: {@code pickEndpoint(start)} then
 *       {@code complete(endpoint, start, Outcome.SUCCESS)}, 0 B/op. {@link ClockBenchmark} measures
 *       one {@code System.nanoTime()} in the same run, the cost of each of the two ticker reads.
 *   <li>{@code lbkit_steady}: the same path at a steady state, with a ticker that costs about a
 *       nanosecond and each server's fixed latency (0.1 to 2 ms) reported by the caller: the path's
 *       cost without its clock reads (see {@code LbkitPeers.steadyPath}).
 *   <li>{@code dubbo_shortestresponse}: {@code select(invokers, url, invocation)}: O(n) over {@code
 *       RpcStatus} and the sliding-window map.
 *   <li>{@code dubbo_shortestresponse_full}: plus {@code RpcStatus.beginCount} and {@code endCount}
 *       (the elapsed time that feeds the estimate).
 *   <li>{@code dubbo_adaptive}: {@code select} with a new {@code RpcInvocation} per call (it writes
 *       into the invocation): P2C on {@code AdaptiveMetrics}, which starts with no provider
 *       metrics, so this is the cost of the pick and its per-call bookkeeping, not of a tuned
 *       state.
 *   <li>{@code ribbon_weighted_response_time}: {@code WeightedResponseTimeRule.choose(null)}: a
 *       random draw and a linear scan of the cumulative weights (computed in setup).
 *   <li>{@code ribbon_weighted_response_time_full}: plus the active-request increment and decrement
 *       and {@code noteResponseTime} on the chosen server's {@code ServerStats}.
 * </ul>
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar 'LatencyAwarePeers\.' -prof gc -rf
 * json -rff latency.json}; more in {@link PeerFamilyBenchmark}.
 */
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields before any call
public class LatencyAwarePeers extends PeerFamilyBenchmark {

  /** Whose implementation; names starting with {@code lbkit} are lbkit. */
  @Param({
    "lbkit",
    "lbkit_full",
    "lbkit_endpoint_full",
    "lbkit_steady",
    "dubbo_shortestresponse",
    "dubbo_shortestresponse_full",
    "dubbo_adaptive",
    "ribbon_weighted_response_time",
    "ribbon_weighted_response_time_full"
  })
  public String impl;

  @Override
  protected String impl() {
    return impl;
  }

  @Override
  Peer build(String impl, int servers) {
    return switch (impl) {
      case "lbkit" -> LbkitPeers.selectorOnly("least_response_time", servers);
      case "lbkit_full" -> LbkitPeers.fullPath("least_response_time", servers);
      case "lbkit_endpoint_full" -> LbkitPeers.endpointPath("least_response_time", servers);
      case "lbkit_steady" -> LbkitPeers.steadyPath("least_response_time", servers);
      case "dubbo_shortestresponse" -> DubboPeers.of("shortestresponse", servers, false);
      case "dubbo_shortestresponse_full" -> DubboPeers.of("shortestresponse", servers, true);
      case "dubbo_adaptive" -> DubboPeers.of("adaptive", servers, false);
      case "ribbon_weighted_response_time" ->
          RibbonPeers.of("weighted_response_time", servers, false);
      case "ribbon_weighted_response_time_full" ->
          RibbonPeers.of("weighted_response_time", servers, true);
      default -> throw unknown(impl);
    };
  }
}
