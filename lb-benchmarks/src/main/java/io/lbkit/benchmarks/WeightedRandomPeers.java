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
 * Weighted random over weights 1..10: lbkit next to Armeria and Dubbo. What each measured call
 * includes:
 *
 * <ul>
 *   <li>{@code lbkit}: {@code Selectors.weightedRandom()} picker alone, {@code picker.pick(now)}.
 *   <li>{@code lbkit_full}: {@code balancer.pick()} then {@code complete(Outcome.SUCCESS)}.
 *   <li>{@code armeria}: {@code LoadBalancer.ofWeightedRandom(endpoints, Endpoint::weight).pick()}.
 *   <li>{@code armeria_ramping_up}: {@code LoadBalancer.ofRampingUp(endpoints,
 *       Endpoint::weight).pick()} once every endpoint has its full weight (Armeria's slow start;
 *       its pick is a weighted random under a lock).
 *   <li>{@code dubbo_random}: Dubbo's {@code random}, weighted when the weights differ: {@code
 *       select(invokers, url, invocation)}, which reads every invoker's weight from its URL (O(n)).
 * </ul>
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar 'WeightedRandomPeers\.' -prof gc -rf
 * json -rff wrandom.json}; more in {@link PeerFamilyBenchmark}.
 */
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields before any call
public class WeightedRandomPeers extends PeerFamilyBenchmark {

  /** Whose implementation; names starting with {@code lbkit} are lbkit. */
  @Param({"lbkit", "lbkit_full", "armeria", "armeria_ramping_up", "dubbo_random"})
  public String impl;

  @Override
  protected String impl() {
    return impl;
  }

  @Override
  Peer build(String impl, int servers) {
    return switch (impl) {
      case "lbkit" -> LbkitPeers.selectorOnly("weighted_random", servers);
      case "lbkit_full" -> LbkitPeers.fullPath("weighted_random", servers);
      case "armeria" -> ArmeriaPeers.of("weighted_random", servers);
      case "armeria_ramping_up" -> ArmeriaPeers.of("ramping_up", servers);
      case "dubbo_random" -> DubboPeers.of("random", servers, false);
      default -> throw unknown(impl);
    };
  }
}
