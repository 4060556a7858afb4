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
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Selectors#leastConnections()}, {@link Selectors#weightedLeastConnections()} and power of
 * two choices over in-flight counts. Picks are held open (not completed) to build up load.
 */
class LeastLoadedSelectorTest {
  private final FakeTicker ticker = new FakeTicker();

  private LoadBalancer balancer(Selector selector, double... weights) {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      servers.add(Server.builder("s" + i, 80).weight(weights[i]).build());
    }
    return LoadBalancer.builder().selector(selector).ticker(ticker).servers(servers).build();
  }

  private static int[] inFlight(LoadBalancer lb) {
    return lb.eligibleEndpoints().stream().mapToInt(Endpoint::inFlight).toArray();
  }

  private static int index(LoadBalancer lb, Pick p) {
    return lb.servers().indexOf(p.server());
  }

  // ---- exact least connections ----

  @Test
  void picksTheServerWithFewestInFlight() {
    LoadBalancer lb = balancer(Selectors.leastConnections(), 1, 1, 1);
    List<Pick> held = new ArrayList<>();
    for (int round = 1; round <= 50; round++) {
      // Each round of three picks must hit three different servers.
      boolean[] hit = new boolean[3];
      for (int i = 0; i < 3; i++) {
        Pick p = lb.pick();
        int idx = index(lb, p);
        assertThat(hit[idx]).as("round %s: server %s picked twice", round, idx).isFalse();
        hit[idx] = true;
        held.add(p);
      }
      assertThat(inFlight(lb)).containsExactly(round, round, round);
    }

    // Free five slots on s1: the next five picks all go there.
    int freed = 0;
    for (Pick p : held) {
      if (freed < 5 && p.server().host().equals("s1")) {
        p.success();
        freed++;
      }
    }
    assertThat(inFlight(lb)).containsExactly(50, 45, 50);
    for (int i = 0; i < 5; i++) {
      assertThat(lb.pick().server().host()).isEqualTo("s1");
    }
    assertThat(inFlight(lb)).containsExactly(50, 50, 50);
  }

  @Test
  void alwaysPicksTheUniqueLeastLoadedServer() {
    LoadBalancer lb = balancer(Selectors.leastConnections(), 1, 1, 1, 1);
    // Load 3, 0, 2, 1 by holding picks made while the others were unhealthy.
    int[] load = {3, 0, 2, 1};
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        lb.setHealth("s" + j + ":80", i == j ? HealthState.HEALTHY : HealthState.UNHEALTHY);
      }
      for (int k = 0; k < load[i]; k++) {
        lb.pick();
      }
    }
    for (int j = 0; j < 4; j++) {
      lb.setHealth("s" + j + ":80", HealthState.HEALTHY);
    }
    assertThat(inFlight(lb)).containsExactly(3, 0, 2, 1);
    for (int i = 0; i < 100; i++) {
      Pick p = lb.pick();
      assertThat(p.server().host()).isEqualTo("s1");
      p.success();
    }
  }

  @Test
  void tiesAreBrokenUniformly() {
    LoadBalancer lb = balancer(Selectors.leastConnections(), 1, 1, 1);
    int picks = 30_000;
    int[] counts = new int[3];
    for (int i = 0; i < picks; i++) {
      Pick p = lb.pick();
      counts[index(lb, p)]++;
      p.success(); // all idle again: every pick is a three-way tie
    }
    // Expected 10,000 each; 5 binomial sigma = 5 * sqrt(30000 * 1/3 * 2/3) = 408.
    for (int c : counts) {
      assertThat((double) c).isCloseTo(10_000, within(408.0));
    }
  }

  /**
   * Below and above the size up to which the tied endpoints are kept as a set of indices (64): a
   * few idle servers scattered among busy ones share the picks evenly, and the busy ones get none.
   */
  @ParameterizedTest
  @ValueSource(ints = {10, 64, 65, 200})
  void tiesAmongAFewIdleServersOfManyAreBrokenUniformly(int size) {
    double[] weights = new double[size];
    Arrays.fill(weights, 1);
    LoadBalancer lb = balancer(Selectors.leastConnections(), weights);
    // Idle: the last and three others, not the first (a pick that falls back on the first endpoint
    // would show); every other server holds one pick.
    Set<Integer> idle = Set.of(1, 3, size / 2 + 1, size - 1);
    List<Pick> held = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (!idle.contains(i)) {
        held.add(lb.pickServer("s" + i + ":80").orElseThrow());
      }
    }
    int picks = 20_000;
    int[] counts = new int[size];
    for (int i = 0; i < picks; i++) {
      Pick p = lb.pick();
      counts[index(lb, p)]++;
      p.success();
    }
    for (int i = 0; i < size; i++) {
      if (idle.contains(i)) {
        // Expected 5,000 each; 5 binomial sigma = 5 * sqrt(20000 * 1/4 * 3/4) = 306.
        assertThat((double) counts[i]).as("idle s%d", i).isCloseTo(5_000, within(306.0));
      } else {
        assertThat(counts[i]).as("busy s%d", i).isZero();
      }
    }
    held.forEach(Pick::success);
  }

  @Test
  void leastConnectionsIgnoresWeights() {
    LoadBalancer lb = balancer(Selectors.leastConnections(), 1, 100);
    Pick first = lb.pick();
    Pick second = lb.pick();
    assertThat(first.server()).isNotEqualTo(second.server());
  }

  // ---- weighted least connections ----

  @Test
  void weightedPrefersLeastInFlightPlusOnePerWeight() {
    LoadBalancer lb = balancer(Selectors.weightedLeastConnections(), 1, 4);
    // Loads (k + 1) / w: s0 idle is 1; s1 stays below 1 for its first three picks.
    for (int i = 0; i < 3; i++) {
      assertThat(lb.pick().server().host()).as("pick %s", i).isEqualTo("s1");
    }
    assertThat(inFlight(lb)).containsExactly(0, 3);
    // Now s1's load is (3 + 1) / 4 = 1, tied with idle s0; hold s0 once to break the tie.
    lb.setHealth("s1:80", HealthState.UNHEALTHY);
    lb.pick();
    lb.setHealth("s1:80", HealthState.HEALTHY);
    // s0: (1 + 1) / 1 = 2; s1: 1, 1.25, 1.5, 1.75 for its next four picks.
    for (int i = 0; i < 4; i++) {
      assertThat(lb.pick().server().host()).as("pick %s", i).isEqualTo("s1");
    }
    assertThat(inFlight(lb)).containsExactly(1, 7);
  }

  @Test
  void weightedHeldLoadIsProportionalToWeight() {
    LoadBalancer lb = balancer(Selectors.weightedLeastConnections(), 1, 2, 3);
    for (int i = 0; i < 600; i++) {
      lb.pick();
    }
    int[] load = inFlight(lb);
    // Greedy on (k + 1) / w keeps every server within one pick of its share.
    assertThat(load[0]).isBetween(99, 101);
    assertThat(load[1]).isBetween(199, 201);
    assertThat(load[2]).isBetween(299, 301);
    assertThat(load[0] + load[1] + load[2]).isEqualTo(600);
  }

  /**
   * Below and above the size up to which the tied endpoints are kept as a set of indices (64): the
   * greedy pick on (k + 1) / w takes every level j / w in increasing order, so after c times the
   * fleet's weight in picks each server holds exactly c times its weight.
   */
  @ParameterizedTest
  @ValueSource(ints = {12, 64, 100, 300})
  void weightedHeldLoadIsExactlyProportionalToWeightAtAnySize(int size) {
    double[] weights = new double[size];
    int total = 0;
    for (int i = 0; i < size; i++) {
      weights[i] = 1 + i % 4;
      total += 1 + i % 4;
    }
    LoadBalancer lb = balancer(Selectors.weightedLeastConnections(), weights);
    int c = 5;
    for (int i = 0; i < c * total; i++) {
      lb.pick();
    }
    int[] load = inFlight(lb);
    for (int i = 0; i < size; i++) {
      assertThat(load[i]).as("s%d of weight %s", i, weights[i]).isEqualTo(c * (1 + i % 4));
    }
  }

  @Test
  void weightedIdleServersFollowTheirWeight() {
    // All idle: (0 + 1) / w is least for the heaviest server, which wins every time.
    LoadBalancer lb = balancer(Selectors.weightedLeastConnections(), 1, 3, 2);
    for (int i = 0; i < 100; i++) {
      Pick p = lb.pick();
      assertThat(p.server().host()).isEqualTo("s1");
      p.success();
    }
  }

  // ---- power of two choices ----

  @Test
  void powerOfTwoChoicesNeverComparesAServerWithItself() {
    for (Selector selector :
        List.of(
            Selectors.powerOfTwoChoices(),
            Selectors.powerOfTwoChoices(LoadMetric.inFlight()),
            Selectors.powerOfTwoChoices(LoadMetric.weightedInFlight()))) {
      LoadBalancer lb = balancer(selector, 1, 1);
      lb.setHealth("s1:80", HealthState.UNHEALTHY);
      for (int i = 0; i < 5; i++) {
        assertThat(lb.pick().server().host()).isEqualTo("s0");
      }
      lb.setHealth("s1:80", HealthState.HEALTHY);
      assertThat(inFlight(lb)).containsExactly(5, 0);

      // Drawing the same server twice would send a quarter of these to the busy s0.
      for (int i = 0; i < 1000; i++) {
        Pick p = lb.pick();
        assertThat(p.server().host()).as(selector.name()).isEqualTo("s1");
        p.success();
      }
    }
  }

  @Test
  void powerOfTwoChoicesKeepsHundredServersBalanced() {
    LoadBalancer lb = balancer(Selectors.powerOfTwoChoices(LoadMetric.inFlight()), ones(100));
    for (int i = 0; i < 2000; i++) {
      lb.pick(); // held open
    }
    int[] load = inFlight(lb);
    int max = Integer.MIN_VALUE;
    int min = Integer.MAX_VALUE;
    int total = 0;
    for (int l : load) {
      max = Math.max(max, l);
      min = Math.min(min, l);
      total += l;
    }
    assertThat(total).isEqualTo(2000);
    // Mean 20. Two choices keep the maximum within about log log n of the mean. Measured over
    // 20,000 runs: max always 21..23, max - min at most 11 (one run; 10 in five). Uniform random
    // choice over the same runs: max always at least 26, max - min at least 15.
    assertThat(max).isLessThanOrEqualTo(24);
    assertThat(max - min).isLessThanOrEqualTo(14);
  }

  private static double[] ones(int n) {
    double[] w = new double[n];
    java.util.Arrays.fill(w, 1);
    return w;
  }

  @Test
  void powerOfTwoChoicesPrefersTheLessLoadedOfTwo() {
    // With three servers at 0, 1 and 2 in flight, a pair always holds a less loaded member, so the
    // busiest one is never picked and the idle one wins whenever it is drawn (2 of 3 pairs).
    LoadBalancer lb = balancer(Selectors.powerOfTwoChoices(LoadMetric.inFlight()), 1, 1, 1);
    int[] load = {0, 1, 2};
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        lb.setHealth("s" + j + ":80", i == j ? HealthState.HEALTHY : HealthState.UNHEALTHY);
      }
      for (int k = 0; k < load[i]; k++) {
        lb.pick();
      }
    }
    for (int j = 0; j < 3; j++) {
      lb.setHealth("s" + j + ":80", HealthState.HEALTHY);
    }
    Map<String, Integer> counts = new HashMap<>();
    int picks = 30_000;
    for (int i = 0; i < picks; i++) {
      Pick p = lb.pick();
      counts.merge(p.server().host(), 1, Integer::sum);
      p.success();
    }
    assertThat(counts).doesNotContainKey("s2");
    // s0 is in 2 of the 3 equally likely pairs: 20,000 expected, 5 sigma = 408.
    assertThat((double) counts.getOrDefault("s0", 0)).isCloseTo(20_000, within(408.0));
  }

  /**
   * The built-in in-flight metrics take a picker of their own (loads from arrays, see
   * PowerOfTwoChoicesSelector); it must choose exactly as the metric does when read through each
   * endpoint: the same seed, picks, outcomes and warm-up give the same servers, pick by pick.
   */
  @Test
  void powerOfTwoChoicesOverBuiltInMetricsChoosesAsTheMetricReadThroughEndpoints() {
    for (LoadMetric metric : List.of(LoadMetric.inFlight(), LoadMetric.weightedInFlight())) {
      LoadMetric throughEndpoints =
          new LoadMetric() {
            @Override
            public double load(Endpoint endpoint, long nowNanos) {
              return metric.load(endpoint, nowNanos);
            }

            @Override
            public boolean usesLatency() {
              return false;
            }
          };
      assertThat(picks(Selectors.powerOfTwoChoices(metric)))
          .as("%s", metric)
          .isEqualTo(picks(Selectors.powerOfTwoChoices(throughEndpoints)));
    }
  }

  /** 3,000 seeded picks over servers of weights 1..5, with failures and a server warming up. */
  private static List<String> picks(Selector selector) {
    FakeTicker clock = new FakeTicker(1_000_000_000L);
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      servers.add(Server.builder("s" + i, 80).weight(1 + i % 5).build());
    }
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(selector)
            .ticker(clock)
            .random(new java.util.SplittableRandom(42))
            .slowStart(SlowStart.of(java.time.Duration.ofSeconds(10)))
            .servers(servers)
            .build();
    lb.addServer(Server.builder("new", 80).weight(3).build()); // warming up
    List<String> out = new ArrayList<>();
    List<Pick> open = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      Pick p = lb.pick();
      out.add(p.server().host());
      open.add(p);
      if (i % 3 == 0) {
        open.remove(0).complete(i % 7 == 0 ? Outcome.FAILURE : Outcome.SUCCESS);
      }
      clock.advanceNanos(1_000_000);
    }
    lb.close();
    return out;
  }

  @Test
  void powerOfTwoChoicesWithOneServer() {
    LoadBalancer lb = balancer(Selectors.powerOfTwoChoices(), 1);
    for (int i = 0; i < 10; i++) {
      assertThat(lb.pick().server().host()).isEqualTo("s0");
    }
    assertThat(inFlight(lb)).containsExactly(10);
  }

  @Test
  void namesAndStatistics() {
    assertThat(Selectors.leastConnections().name()).isEqualTo("least_connections");
    assertThat(Selectors.weightedLeastConnections().name()).isEqualTo("weighted_least_connections");
    assertThat(Selectors.powerOfTwoChoices().name()).isEqualTo("power_of_two_choices");
    for (Selector s :
        List.of(
            Selectors.leastConnections(),
            Selectors.weightedLeastConnections(),
            Selectors.powerOfTwoChoices())) {
      assertThat(s.usesInFlight()).as(s.name()).isTrue();
      assertThat(s.usesLatency()).as(s.name()).isFalse();
    }
  }

  @Test
  void inFlightIsNotTrackedWhenNoSelectorReadsIt() {
    LoadBalancer lb = balancer(Selectors.random(), 1);
    lb.pick();
    assertThat(inFlight(lb)).containsExactly(0);
  }
}
