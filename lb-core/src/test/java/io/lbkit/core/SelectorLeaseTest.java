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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** One selector with state serves one open balancer: {@link SelectorLease}. */
class SelectorLeaseTest {
  private static final List<Server> TWO =
      List.of(
          Server.builder("127.0.0.1", 1).id("a").zone("z1").build(),
          Server.builder("127.0.0.1", 2).id("b").zone("z1").build());

  private static LoadBalancer balancer(String name, Selector selector) {
    return LoadBalancer.builder().name(name).selector(selector).servers(TWO).build();
  }

  /**
   * The reported defect: two balancers sharing one round-robin selector, picked alternately, each
   * sent every pick to one server. Now the second build fails and says why.
   */
  @Test
  void aSecondBalancerCannotShareAStatefulSelector() {
    Selector shared = Selectors.roundRobin();
    LoadBalancer first = balancer("first", shared);
    assertThatThrownBy(() -> balancer("second", shared))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("round_robin")
        .hasMessageContaining("'first'")
        .hasMessageContaining("'second'");
    // The first balancer is untouched: it still alternates.
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1_000; i++) {
      counts.merge(first.pick().server().id(), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("a", 500).containsEntry("b", 500);
  }

  @Test
  void everyStatefulSelectorAndItsDecoratorsAreLeased() {
    Map<String, Supplier<Selector>> stateful = new HashMap<>();
    stateful.put("round_robin", Selectors::roundRobin);
    stateful.put("weighted_round_robin", Selectors::weightedRoundRobin);
    stateful.put("ring_hash", Selectors::ringHash);
    stateful.put("bounded_load_hash", () -> Selectors.boundedLoadHash(0.25));
    stateful.put("zone_aware", () -> Selectors.zoneAware("z1", Selectors.random()));
    stateful.forEach(
        (name, selector) -> {
          Selector s = selector.get();
          LoadBalancer first = balancer("one", s);
          assertThatThrownBy(() -> balancer("two", s))
              .as(name)
              .isInstanceOf(IllegalArgumentException.class);
          first.close();
        });
    // A decorator over a stateful base takes the base too.
    Selector base = Selectors.roundRobin();
    LoadBalancer zoned = balancer("zoned", Selectors.zoneAware("z1", base));
    assertThatThrownBy(() -> balancer("plain", base))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'zoned'");
    zoned.close();
    Selector subsetBase = Selectors.weightedRoundRobin();
    LoadBalancer subset =
        balancer(
            "subset",
            Selectors.subset(
                SubsetRule.byAttribute("v", "version"), subsetBase, SubsetFallback.ANY_ENDPOINT));
    assertThatThrownBy(() -> balancer("plain", subsetBase))
        .isInstanceOf(IllegalArgumentException.class);
    subset.close();
  }

  @Test
  void statelessSelectorsMayBeShared() {
    for (Selector s :
        List.of(
            Selectors.random(),
            Selectors.weightedRandom(),
            Selectors.powerOfTwoChoices(),
            Selectors.leastConnections(),
            Selectors.leastResponseTime())) {
      LoadBalancer one = balancer("one", s);
      LoadBalancer two = balancer("two", s);
      assertThat(one.pick().server()).isNotNull();
      assertThat(two.pick().server()).isNotNull();
    }
  }

  @Test
  void closingTheHolderFreesTheSelector() {
    Selector s = Selectors.roundRobin();
    LoadBalancer first = balancer("first", s);
    first.close();
    LoadBalancer second = balancer("second", s);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      counts.merge(second.pick().server().id(), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("a", 50).containsEntry("b", 50);
  }

  @Test
  void aBalancerDroppedWithoutCloseFreesTheSelectorOnceCollected() throws InterruptedException {
    Selector s = Selectors.roundRobin();
    balancer("dropped", s); // never closed, no reference kept
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      System.gc();
      try {
        balancer("next", s).close();
        return;
      } catch (IllegalArgumentException stillHeld) {
        assertThat(System.nanoTime()).as("still held after 30 s of GC").isLessThan(deadline);
        Thread.sleep(20);
      }
    }
  }

  @Test
  void rebuildingWithTheSameSelectorAfterAFailedBuildIsPossibleOnceTheHolderCloses() {
    Selector s = Selectors.ringHash();
    LoadBalancer holder = balancer("holder", s);
    assertThatThrownBy(() -> balancer("other", s)).isInstanceOf(IllegalArgumentException.class);
    holder.close();
    assertThat(balancer("other", s).pick().server()).isNotNull();
  }
}
