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

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * One selector instance serves any number of balancers: the state a selector keeps across snapshots
 * (a rotation, a ring, a table size) belongs to each balancer, so two balancers sharing one
 * instance behave exactly like two balancers with one selector each.
 */
class SharedSelectorTest {
  private static final List<Server> TWO =
      List.of(
          Server.builder("127.0.0.1", 1).id("a").zone("z1").build(),
          Server.builder("127.0.0.1", 2).id("b").zone("z1").build());

  private static LoadBalancer balancer(String name, Selector selector) {
    return LoadBalancer.builder().name(name).selector(selector).servers(TWO).build();
  }

  /**
   * The reported defect: two balancers sharing one round-robin selector, picked alternately, each
   * sent every pick to one server (each saw every other count of one shared rotation).
   */
  @Test
  void twoBalancersSharingOneRoundRobinEachAlternate() {
    Selector shared = Selectors.roundRobin();
    LoadBalancer first = balancer("first", shared);
    LoadBalancer second = balancer("second", shared);
    Map<String, Integer> firstCounts = new HashMap<>();
    Map<String, Integer> secondCounts = new HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      firstCounts.merge(first.pick().server().id(), 1, Integer::sum);
      secondCounts.merge(second.pick().server().id(), 1, Integer::sum);
    }
    assertThat(firstCounts).containsEntry("a", 500).containsEntry("b", 500);
    assertThat(secondCounts).containsEntry("a", 500).containsEntry("b", 500);
  }

  @Test
  void everyStatefulSelectorAndItsDecoratorsMayBeShared() {
    Map<String, Supplier<Selector>> stateful = new HashMap<>();
    stateful.put("round_robin", Selectors::roundRobin);
    stateful.put("weighted_round_robin", Selectors::weightedRoundRobin);
    stateful.put("ring_hash", Selectors::ringHash);
    stateful.put("maglev", Selectors::maglev);
    stateful.put("bounded_load_hash", () -> Selectors.boundedLoadHash(0.25));
    stateful.put("zone_aware", () -> Selectors.zoneAware("z1", Selectors.roundRobin()));
    stateful.put(
        "subset",
        () ->
            Selectors.subset(
                SubsetRule.byAttribute("v", "version"),
                Selectors.roundRobin(),
                SubsetFallback.ANY_ENDPOINT));
    stateful.forEach(
        (name, selector) -> {
          Selector s = selector.get();
          LoadBalancer one = balancer("one", s);
          LoadBalancer two = balancer("two", s);
          Map<String, Integer> counts = new HashMap<>();
          for (int i = 0; i < 2_000; i++) {
            counts.merge(one.pick().server().id(), 1, Integer::sum);
            two.pick().close();
          }
          assertThat(counts).as(name).containsOnlyKeys("a", "b");
          if (name.contains("round_robin") || name.equals("zone_aware") || name.equals("subset")) {
            // Exact rotations stay exact per balancer.
            assertThat(counts).as(name).containsEntry("a", 1_000).containsEntry("b", 1_000);
          }
          one.close();
          two.close();
        });
  }
}
