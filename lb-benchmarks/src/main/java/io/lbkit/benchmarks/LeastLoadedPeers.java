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
 * Least-loaded selection by requests in flight: lbkit's least connections and power of two choices
 * next to gRPC-java's {@code least_request} (P2C), Dubbo's {@code leastactive} and Ribbon's {@code
 * BestAvailableRule}. Nothing is in flight when a call starts, so every server is tied: the worst
 * case of the O(n) scans (lbkit least connections breaks ties at random, Dubbo by weighted random
 * among the tied, Ribbon keeps the first). What each measured call includes:
 *
 * <ul>
 *   <li>{@code lbkit_least_connections}, {@code lbkit_p2c}: {@code Selectors.leastConnections()} /
 *       {@code Selectors.powerOfTwoChoices()} picker alone, {@code picker.pick(now)}: no in-flight
 *       accounting.
 *   <li>{@code lbkit_least_connections_full}, {@code lbkit_p2c_full}: {@code balancer.pick()} then
 *       {@code complete(Outcome.SUCCESS)}: the in-flight increment and decrement and the handle.
 *   <li>{@code lbkit_p2c_endpoint_full}: the same without the handle: {@code pickEndpoint(start)}
 *       then {@code complete(endpoint, start, Outcome.SUCCESS)}, 0 B/op.
 *   <li>{@code grpc_least_request}: its ready picker's {@code pickSubchannel(args)}: two random
 *       samples, the child picker and a new {@code PickResult} with a stream tracer factory.
 *   <li>{@code grpc_least_request_full}: plus the tracer's {@code streamCreated} and {@code
 *       streamClosed(OK)}: the outstanding-request increment and decrement a call does.
 *   <li>{@code dubbo_leastactive}: {@code select(invokers, url, invocation)}, O(n) over {@code
 *       RpcStatus}.
 *   <li>{@code dubbo_leastactive_full}: plus {@code RpcStatus.beginCount} and {@code endCount}.
 *   <li>{@code ribbon_best_available}: {@code BestAvailableRule.choose(null)}, O(n) over {@code
 *       ServerStats}.
 *   <li>{@code ribbon_best_available_full}: plus the active-request increment and decrement and the
 *       response-time sample on the chosen server's {@code ServerStats}.
 * </ul>
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar 'LeastLoadedPeers\.' -prof gc -rf
 * json -rff least.json}; more in {@link PeerFamilyBenchmark}.
 */
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields before any call
public class LeastLoadedPeers extends PeerFamilyBenchmark {

  /** Whose implementation; names starting with {@code lbkit} are lbkit. */
  @Param({
    "lbkit_least_connections",
    "lbkit_least_connections_full",
    "lbkit_p2c",
    "lbkit_p2c_full",
    "lbkit_p2c_endpoint_full",
    "grpc_least_request",
    "grpc_least_request_full",
    "dubbo_leastactive",
    "dubbo_leastactive_full",
    "ribbon_best_available",
    "ribbon_best_available_full"
  })
  public String impl;

  @Override
  protected String impl() {
    return impl;
  }

  @Override
  Peer build(String impl, int servers) {
    return switch (impl) {
      case "lbkit_least_connections" -> LbkitPeers.selectorOnly("least_connections", servers);
      case "lbkit_least_connections_full" -> LbkitPeers.fullPath("least_connections", servers);
      case "lbkit_p2c" -> LbkitPeers.selectorOnly("power_of_two_choices", servers);
      case "lbkit_p2c_full" -> LbkitPeers.fullPath("power_of_two_choices", servers);
      case "lbkit_p2c_endpoint_full" -> LbkitPeers.endpointPath("power_of_two_choices", servers);
      case "grpc_least_request" -> GrpcPeers.of("least_request", servers, false);
      case "grpc_least_request_full" -> GrpcPeers.of("least_request", servers, true);
      case "dubbo_leastactive" -> DubboPeers.of("leastactive", servers, false);
      case "dubbo_leastactive_full" -> DubboPeers.of("leastactive", servers, true);
      case "ribbon_best_available" -> RibbonPeers.of("best_available", servers, false);
      case "ribbon_best_available_full" -> RibbonPeers.of("best_available", servers, true);
      default -> throw unknown(impl);
    };
  }
}
