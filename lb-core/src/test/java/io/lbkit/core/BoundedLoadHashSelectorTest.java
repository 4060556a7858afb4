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

import static io.lbkit.core.RingHashSelectorTest.servers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Selectors#boundedLoadHash(double)}: the load bound under a Zipf-skewed key popularity with
 * picks held open, weighted bounds, agreement with the plain ring while idle, deterministic
 * overflow, and release of capacity on completion.
 */
class BoundedLoadHashSelectorTest {

  static LoadBalancer balancer(Selector selector, List<Server> servers) {
    // A still ticker: held picks never expire from the in-flight counts during a test.
    return LoadBalancer.builder()
        .selector(selector)
        .ticker(new FakeTicker())
        .servers(servers)
        .build();
  }

  /** Keys 0..keys-1 drawn with Zipf(s) popularity: key 0 is the hottest. */
  static int[] zipf(int draws, int keys, double s, long seed) {
    double[] cumulative = new double[keys];
    double total = 0;
    for (int k = 0; k < keys; k++) {
      total += 1 / Math.pow(k + 1, s);
      cumulative[k] = total;
    }
    Random random = new Random(seed);
    int[] out = new int[draws];
    for (int i = 0; i < draws; i++) {
      double u = random.nextDouble() * total;
      int k = java.util.Arrays.binarySearch(cumulative, u);
      out[i] = k >= 0 ? k : Math.min(-k - 1, keys - 1);
    }
    return out;
  }

  /**
   * Holds {@code draws} Zipf-keyed picks open and checks after each that no server has more in
   * flight than ceil((1 + eps) * T * weight / totalWeight), T the picks open so far. Returns the
   * highest load seen relative to the mean.
   */
  static double holdZipfPicks(LoadBalancer lb, double eps, int draws, boolean checkBound) {
    List<Server> servers = lb.servers();
    double totalWeight = 0;
    for (Server s : servers) {
      totalWeight += s.weight();
    }
    Map<String, Integer> load = new HashMap<>();
    List<Pick> open = new ArrayList<>();
    int max = 0;
    for (int key : zipf(draws, 1000, 1.1, 42)) {
      Pick p = lb.pick(PickContext.ofHashKey("item-" + key));
      open.add(p);
      int l = load.merge(p.server().id(), 1, Integer::sum);
      max = Math.max(max, l);
      if (checkBound) {
        int t = open.size();
        for (Server s : servers) {
          long bound = (long) Math.ceil((1 + eps) * t * s.weight() / totalWeight);
          assertThat(load.getOrDefault(s.id(), 0))
              .as("server %s after %s picks", s.id(), t)
              .isLessThanOrEqualTo((int) bound);
        }
      }
    }
    // The balancer's own in-flight counts (what the selector read) agree with ours.
    for (Endpoint e : lb.eligibleEndpoints()) {
      int expected = lb.selector().usesInFlight() ? load.getOrDefault(e.server().id(), 0) : 0;
      assertThat(e.inFlight()).isEqualTo(expected);
    }
    open.forEach(Pick::success);
    return max / ((double) draws / servers.size());
  }

  @Test
  void noServerEverExceedsItsBoundUnderZipfKeys() {
    double eps = 0.25;
    double bounded =
        holdZipfPicks(balancer(Selectors.boundedLoadHash(eps), servers(10)), eps, 3000, true);
    double plain = holdZipfPicks(balancer(Selectors.ringHash(), servers(10)), eps, 3000, false);
    System.out.printf(
        "Zipf(1.1) over 1000 keys, 10 servers: max/mean bounded %.3f, ring %.3f%n", bounded, plain);
    assertThat(bounded).isLessThanOrEqualTo(1.25);
    // Without the bound the hottest key's server takes far more: the check above is not vacuous.
    assertThat(plain).isGreaterThan(1.5);
  }

  @Test
  void theBoundHoldsAtOneHundredServersAndTightEpsilon() {
    holdZipfPicks(balancer(Selectors.boundedLoadHash(0.05), servers(100)), 0.05, 3000, true);
  }

  @Test
  void aTinyEpsilonBalancesAlmostExactly() {
    double max =
        holdZipfPicks(balancer(Selectors.boundedLoadHash(0.001), servers(7)), 0.001, 700, true);
    assertThat(max).isLessThanOrEqualTo(1.01);
  }

  @Test
  void weightedBoundsFollowTheWeights() {
    List<Server> list = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      list.add(Server.builder("w" + i, 80).weight(i + 1).build());
    }
    LoadBalancer lb = balancer(Selectors.boundedLoadHash(0.1), list);
    holdZipfPicks(lb, 0.1, 1200, true);
  }

  @Test
  void whileIdleItPicksWhatTheRingPicks() {
    LoadBalancer bounded = balancer(Selectors.boundedLoadHash(0.25), servers(20));
    LoadBalancer ring = balancer(Selectors.ringHash(), servers(20));
    for (int i = 0; i < 20_000; i++) {
      PickContext key = PickContext.ofHashKey("k" + i);
      // Completed at once: nothing stays in flight, so every server is below its bound.
      try (Pick a = bounded.pick(key);
          Pick b = ring.pick(key)) {
        assertThat(a.server()).isEqualTo(b.server());
      }
    }
  }

  @Test
  void overflowWalksClockwiseTheSameWayForEveryClientAndReturnsWhenLoadDrops() {
    LoadBalancer one = balancer(Selectors.boundedLoadHash(0.25), servers(10));
    LoadBalancer two = balancer(Selectors.boundedLoadHash(0.25), servers(10));
    PickContext hot = PickContext.ofHashKey("hot");
    List<Pick> open = new ArrayList<>();
    List<Server> sequence = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Pick a = one.pick(hot);
      Pick b = two.pick(hot);
      assertThat(a.server()).isEqualTo(b.server());
      sequence.add(a.server());
      open.add(a);
      open.add(b);
    }
    Server home = sequence.get(0);
    // 50 requests of one key over 10 servers: each takes at most ceil(1.25 * 50 / 10) = 7.
    assertThat(sequence.stream().distinct().count()).isGreaterThanOrEqualTo(8);
    assertThat(sequence.stream().filter(home::equals).count()).isLessThanOrEqualTo(7);
    open.forEach(Pick::success);
    try (Pick p = one.pick(hot)) {
      assertThat(p.server()).isEqualTo(home);
    }
  }

  @Test
  void countsInFlightAndRejectsBadEpsilon() {
    assertThat(Selectors.boundedLoadHash(0.25).usesInFlight()).isTrue();
    assertThat(Selectors.boundedLoadHash(0.25).usesLatency()).isFalse();
    assertThat(Selectors.boundedLoadHash(0.25).name()).isEqualTo("bounded_load_hash");
    assertThatThrownBy(() -> Selectors.boundedLoadHash(-0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon");
    // The same rule as the gRPC service config: zero leaves no slack at all.
    assertThatThrownBy(() -> Selectors.boundedLoadHash(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epsilon")
        .hasMessageContaining("0.0");
    assertThatThrownBy(() -> Selectors.boundedLoadHash(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Selectors.boundedLoadHash(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
