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
 * Weighted round robin over weights 1..10: lbkit next to Armeria, gRPC-java and Dubbo. What each
 * measured call includes:
 *
 * <ul>
 *   <li>{@code lbkit}: {@code Selectors.weightedRoundRobin()} picker alone, {@code
 *       picker.pick(now)}.
 *   <li>{@code lbkit_full}: {@code balancer.pick()} then {@code complete(Outcome.SUCCESS)}.
 *   <li>{@code lbkit_endpoint_full}: the same without the handle: {@code pickEndpoint(start)} then
 *       {@code complete(endpoint, start, Outcome.SUCCESS)}, 0 B/op.
 *   <li>{@code armeria}: {@code LoadBalancer.ofWeightedRoundRobin(endpoints,
 *       Endpoint::weight).pick()}.
 *   <li>{@code grpc_static_stride}: gRPC-java's {@code StaticStrideScheduler.pick()} over the same
 *       weights, plus the array read of the chosen server: the scheduler of its {@code
 *       weighted_round_robin} policy without the policy's child picker call (see {@link
 *       io.grpc.xds.StaticStrideSchedulers} for why the policy itself cannot be driven here).
 *   <li>{@code dubbo_roundrobin}: Dubbo's smooth weighted round robin, {@code select(invokers, url,
 *       invocation)}: O(n) per pick (see {@link DubboPeers}).
 * </ul>
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar 'WeightedRoundRobinPeers\.' -prof gc
 * -rf json -rff wrr.json}; more in {@link PeerFamilyBenchmark}.
 */
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields before any call
public class WeightedRoundRobinPeers extends PeerFamilyBenchmark {

  /** Whose implementation; names starting with {@code lbkit} are lbkit. */
  @Param({
    "lbkit",
    "lbkit_full",
    "lbkit_endpoint_full",
    "armeria",
    "grpc_static_stride",
    "dubbo_roundrobin"
  })
  public String impl;

  @Override
  protected String impl() {
    return impl;
  }

  @Override
  Peer build(String impl, int servers) {
    return switch (impl) {
      case "lbkit" -> LbkitPeers.selectorOnly("weighted_round_robin", servers);
      case "lbkit_full" -> LbkitPeers.fullPath("weighted_round_robin", servers);
      case "lbkit_endpoint_full" -> LbkitPeers.endpointPath("weighted_round_robin", servers);
      case "armeria" -> ArmeriaPeers.of("weighted_round_robin", servers);
      case "grpc_static_stride" -> GrpcPeers.of("weighted_round_robin", servers, false);
      case "dubbo_roundrobin" -> DubboPeers.of("roundrobin", servers, false);
      default -> throw unknown(impl);
    };
  }
}
