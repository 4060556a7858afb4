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
 * Round robin, unweighted: lbkit next to Armeria, gRPC-java, Ribbon and Spring Cloud LoadBalancer.
 * What each measured call includes:
 *
 * <ul>
 *   <li>{@code lbkit}: {@code Selectors.roundRobin()} picker alone, {@code picker.pick(now)} (see
 *       {@link LbkitPeers}).
 *   <li>{@code lbkit_full}: {@code balancer.pick()} then {@code complete(Outcome.SUCCESS)}, handle
 *       included.
 *   <li>{@code armeria}: {@code LoadBalancer.ofRoundRobin(endpoints).pick()} (Armeria 1.40.0).
 *   <li>{@code grpc}: the ready picker of grpc-util's {@code RoundRobinLoadBalancer} (gRPC-java
 *       1.85.1), {@code pickSubchannel(args)}.
 *   <li>{@code grpc_registry}: the same through the registry's {@code round_robin}, which with
 *       grpc-services on the class path is the health-checking wrapper (its picker copies the
 *       result per pick); see {@link GrpcPeers}.
 *   <li>{@code ribbon}: {@code RoundRobinRule.choose(null)} over a fixed-list {@code
 *       BaseLoadBalancer} (Ribbon 2.7.18).
 *   <li>{@code spring}: {@code RoundRobinLoadBalancer.choose().block().getServer()} (Spring Cloud
 *       LoadBalancer 5.0.2), the reactive chain included.
 * </ul>
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar 'RoundRobinPeers\.' -prof gc -rf
 * json -rff rr.json}, then {@code python3 lb-benchmarks/jmh-table.py rr.json}; more in {@link
 * PeerFamilyBenchmark}.
 */
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields before any call
public class RoundRobinPeers extends PeerFamilyBenchmark {

  /** Whose implementation; names starting with {@code lbkit} are lbkit. */
  @Param({"lbkit", "lbkit_full", "armeria", "grpc", "grpc_registry", "ribbon", "spring"})
  public String impl;

  @Override
  protected String impl() {
    return impl;
  }

  @Override
  Peer build(String impl, int servers) {
    return switch (impl) {
      case "lbkit" -> LbkitPeers.selectorOnly("round_robin", servers);
      case "lbkit_full" -> LbkitPeers.fullPath("round_robin", servers);
      case "armeria" -> ArmeriaPeers.of("round_robin", servers);
      case "grpc" -> GrpcPeers.of("round_robin", servers, false);
      case "grpc_registry" -> GrpcPeers.of("round_robin_registry", servers, false);
      case "ribbon" -> RibbonPeers.of("round_robin", servers, false);
      case "spring" -> SpringPeers.of("round_robin", servers);
      default -> throw unknown(impl);
    };
  }
}
