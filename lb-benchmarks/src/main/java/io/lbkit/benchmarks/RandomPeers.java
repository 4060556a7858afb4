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
 * Uniform random: lbkit next to Ribbon and Spring Cloud LoadBalancer (both ignore weights). What
 * each measured call includes:
 *
 * <ul>
 *   <li>{@code lbkit}: {@code Selectors.random()} picker alone, {@code picker.pick(now)}.
 *   <li>{@code lbkit_full}: {@code balancer.pick()} then {@code complete(Outcome.SUCCESS)}.
 *   <li>{@code ribbon}: {@code RandomRule.choose(null)} over a fixed-list {@code BaseLoadBalancer}.
 *   <li>{@code spring}: {@code RandomLoadBalancer.choose().block().getServer()}.
 * </ul>
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar '\.RandomPeers\.' -prof gc -rf json
 * -rff random.json}; more in {@link PeerFamilyBenchmark}.
 */
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields before any call
public class RandomPeers extends PeerFamilyBenchmark {

  /** Whose implementation; names starting with {@code lbkit} are lbkit. */
  @Param({"lbkit", "lbkit_full", "ribbon", "spring"})
  public String impl;

  @Override
  protected String impl() {
    return impl;
  }

  @Override
  Peer build(String impl, int servers) {
    return switch (impl) {
      case "lbkit" -> LbkitPeers.selectorOnly("random", servers);
      case "lbkit_full" -> LbkitPeers.fullPath("random", servers);
      case "ribbon" -> RibbonPeers.of("random", servers, false);
      case "spring" -> SpringPeers.of("random", servers);
      default -> throw unknown(impl);
    };
  }
}
