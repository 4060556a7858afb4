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
import static org.assertj.core.api.Assertions.within;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Selectors#ringHash()}: spread of keys, weighted shares, keys moved by membership changes,
 * failover and return, and composition with health and slow start.
 *
 * <p>Ring positions are a fixed function of the server ids, so for the fixed ids and keys used here
 * every figure is deterministic; the bounds are the measured figures with headroom, and are set so
 * that an implementation that ignored weights, rebuilt positions per list order or moved more keys
 * than needed would fail them.
 */
class RingHashSelectorTest {
  static final int KEYS = 100_000;

  static List<Server> servers(int n) {
    List<Server> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Server.of("10.0." + (i / 250) + "." + (i % 250), 8080));
    }
    return out;
  }

  static LoadBalancer balancer(Selector selector, List<Server> servers) {
    return LoadBalancer.builder().selector(selector).servers(servers).build();
  }

  static PickContext key(int i) {
    return PickContext.ofHashKey("key-" + i);
  }

  /** The server id each of the first {@code keys} keys maps to. */
  static String[] assign(LoadBalancer lb, int keys) {
    String[] out = new String[keys];
    for (int i = 0; i < keys; i++) {
      try (Pick p = lb.pick(key(i))) {
        out[i] = p.server().id();
      }
    }
    return out;
  }

  static Map<String, Integer> counts(String[] assignment) {
    Map<String, Integer> counts = new HashMap<>();
    for (String id : assignment) {
      counts.merge(id, 1, Integer::sum);
    }
    return counts;
  }

  /** Max over mean of the per-server key counts, over {@code n} servers. */
  static double maxOverMean(String[] assignment, int n) {
    Map<String, Integer> counts = counts(assignment);
    assertThat(counts).hasSize(n);
    return Collections.max(counts.values()) / ((double) assignment.length / n);
  }

  static double movedFraction(String[] before, String[] after) {
    int moved = 0;
    for (int i = 0; i < before.length; i++) {
      if (!before[i].equals(after[i])) {
        moved++;
      }
    }
    return (double) moved / before.length;
  }

  @Test
  void keysSpreadEvenlyOverTenAndOneHundredServers() {
    // Measured max/mean over 100k keys, 100 virtual nodes each: 1.08 at 10 servers, 1.39 at 100
    // (a server's ring share spreads by about 1 / sqrt(100) = 10%, and the busiest of 100 sits
    // about 3 spreads above the mean).
    double ten = maxOverMean(assign(balancer(Selectors.ringHash(), servers(10)), KEYS), 10);
    double hundred = maxOverMean(assign(balancer(Selectors.ringHash(), servers(100)), KEYS), 100);
    System.out.printf("ring hash max/mean: 10 servers %.3f, 100 servers %.3f%n", ten, hundred);
    assertThat(ten).isLessThan(1.25);
    assertThat(hundred).isLessThan(1.45);
  }

  @Test
  void moreVirtualNodesSpreadMoreEvenly() {
    double coarse =
        maxOverMean(assign(balancer(Selectors.ringHash(1, 10), servers(100)), KEYS), 100);
    double fine =
        maxOverMean(assign(balancer(Selectors.ringHash(1, 1000), servers(100)), KEYS), 100);
    System.out.printf(
        "ring hash max/mean at 100 servers: 10 vnodes %.3f, 1000 %.3f%n", coarse, fine);
    assertThat(fine).isLessThan(1.2).isLessThan(coarse);
  }

  static Map<String, Integer> weightedCounts(Selector selector) {
    List<Server> list = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      list.add(Server.builder("w" + i, 80).weight(i + 1).build());
    }
    return counts(assign(balancer(selector, list), KEYS));
  }

  @Test
  void weightsOneTwoThreeGetOneTwoThreeSixths() {
    // 33, 67 and 100 virtual nodes: measured shares 0.190, 0.338, 0.472; tolerance 20% relative.
    Map<String, Integer> counts = weightedCounts(Selectors.ringHash());
    // With a 1,024-node minimum ring (171, 341, 512 nodes): 0.160, 0.335, 0.505; tolerance 6%.
    Map<String, Integer> fine = weightedCounts(Selectors.ringHash(1024, 100));
    for (int i = 0; i < 3; i++) {
      double expected = (i + 1) / 6.0;
      double share = counts.getOrDefault("w" + i + ":80", 0) / (double) KEYS;
      double fineShare = fine.getOrDefault("w" + i + ":80", 0) / (double) KEYS;
      System.out.printf(
          "ring hash weight %d: share %.4f, with min ring 1024 %.4f (expected %.4f)%n",
          i + 1, share, fineShare, expected);
      assertThat(share).isCloseTo(expected, within(0.2 * expected));
      assertThat(fineShare).isCloseTo(expected, within(0.06 * expected));
    }
  }

  @Test
  void addingAServerToTenMovesAboutOneEleventhOfKeysAllToTheNewServer() {
    List<Server> list = servers(11);
    LoadBalancer lb = balancer(Selectors.ringHash(), list.subList(0, 10));
    String[] before = assign(lb, KEYS);
    lb.addServer(list.get(10));
    String[] after = assign(lb, KEYS);
    double moved = movedFraction(before, after);
    System.out.printf("ring hash: adding 1 to 10 moved %.4f (1/11 = %.4f)%n", moved, 1 / 11.0);
    assertThat(moved).isBetween(0.5 / 11, 1.5 / 11);
    for (int i = 0; i < KEYS; i++) {
      if (!before[i].equals(after[i])) {
        assertThat(after[i]).as("key %s moved between old servers", i).isEqualTo(list.get(10).id());
      }
    }
  }

  @Test
  void aBindingMinimumRingMovesKeysBetweenServersThatStayed() {
    // The documented cost of a minimum ring size: 10 servers get 103 nodes each (1,024 / 10),
    // 11 get 100, so adding one moves more than the newcomer's share (measured 0.137).
    List<Server> list = servers(11);
    LoadBalancer lb = balancer(Selectors.ringHash(1024, 100), list.subList(0, 10));
    String[] before = assign(lb, KEYS);
    lb.addServer(list.get(10));
    double moved = movedFraction(before, assign(lb, KEYS));
    System.out.printf("ring hash min ring 1024: adding 1 to 10 moved %.4f%n", moved);
    assertThat(moved).isGreaterThan(1.2 / 11);
  }

  @Test
  void addingAndRemovingMovesOnlyTheKeysOfTheServerThatChanged() {
    List<Server> list = servers(21);
    LoadBalancer lb = balancer(Selectors.ringHash(), list.subList(0, 20));
    String[] before = assign(lb, KEYS);
    String added = list.get(20).id();
    lb.addServer(list.get(20));
    String[] after = assign(lb, KEYS);
    int moved = 0;
    for (int i = 0; i < KEYS; i++) {
      if (!before[i].equals(after[i])) {
        moved++;
        assertThat(after[i]).as("key %s moved between old servers", i).isEqualTo(added);
      }
    }
    System.out.printf(
        "ring hash: adding 1 to 20 moved %.4f (1/21 = %.4f)%n", moved / (double) KEYS, 1 / 21.0);
    assertThat(moved / (double) KEYS).isBetween(0.5 / 21, 1.5 / 21);

    // Removing an old server moves only its own keys.
    String removed = list.get(3).id();
    lb.removeServer(removed);
    String[] afterRemoval = assign(lb, KEYS);
    for (int i = 0; i < KEYS; i++) {
      if (!after[i].equals(removed)) {
        assertThat(afterRemoval[i]).as("key %s", i).isEqualTo(after[i]);
      } else {
        assertThat(afterRemoval[i]).isNotEqualTo(removed);
      }
    }
  }

  @Test
  void theRingDependsOnlyOnTheIdsNotOnListOrder() {
    List<Server> list = servers(30);
    List<Server> shuffled = new ArrayList<>(list);
    Collections.shuffle(shuffled, new Random(7));
    String[] a = assign(balancer(Selectors.ringHash(), list), 20_000);
    String[] b = assign(balancer(Selectors.ringHash(), shuffled), 20_000);
    assertThat(b).isEqualTo(a);
  }

  @Test
  void virtualNodePositionsAreMurmur3OfIdHashIndex() {
    // The documented, language-independent definition that lets other clients build the same ring.
    long expected =
        Hashing.murmur3_128().hashString("10.0.0.1:8080#7", StandardCharsets.UTF_8).asLong();
    assertThat(HashRing.position("10.0.0.1:8080", 7)).isEqualTo(expected);
    // A one-server ring (no owner bits) holds exactly the documented positions, sorted.
    LoadBalancer lb = balancer(Selectors.ringHash(1, 5), List.of(Server.of("10.0.0.1", 8080)));
    HashRing ring = HashRing.build(lb.eligibleEndpoints().toArray(new Endpoint[0]), 1, 5);
    long[] positions = new long[5];
    for (int k = 0; k < 5; k++) {
      positions[k] = HashRing.position("10.0.0.1:8080", k);
    }
    java.util.Arrays.sort(positions);
    assertThat(ring.points).containsExactly(positions);
  }

  @Test
  void rebuildsReuseCachedPositionsAndBuildTheSameRing() {
    List<Server> list = new ArrayList<>(servers(5));
    list.add(Server.builder("heavy", 1).weight(2).build());
    Endpoint[] endpoints =
        balancer(Selectors.ringHash(), list).eligibleEndpoints().toArray(new Endpoint[0]);
    HashRing.PositionCache cache = new HashRing.PositionCache();
    // A small ring first, then a larger one that extends the cached prefixes, then a smaller one.
    for (int nodes : new int[] {10, 100, 40}) {
      long[] cached = HashRing.build(endpoints, 1, nodes, cache).points;
      long[] fresh = HashRing.build(endpoints, 1, nodes).points;
      assertThat(cached).as("%s virtual nodes", nodes).isEqualTo(fresh);
    }
  }

  @Test
  void aKeyFailsOverWhenItsServerIsUnhealthyAndComesBackWhenHealthy() {
    LoadBalancer lb = balancer(Selectors.ringHash(), servers(10));
    String[] before = assign(lb, 10_000);
    String victim = before[0];
    lb.setHealth(victim, HealthState.UNHEALTHY);
    String[] during = assign(lb, 10_000);
    for (int i = 0; i < during.length; i++) {
      assertThat(during[i]).isNotEqualTo(victim);
      if (!before[i].equals(victim)) {
        assertThat(during[i]).as("key %s of a healthy server", i).isEqualTo(before[i]);
      }
    }
    lb.setHealth(victim, HealthState.HEALTHY);
    assertThat(assign(lb, 10_000)).isEqualTo(before);
  }

  @Test
  void picksWithoutAKeyAreRandomInProportionToWeight() {
    LoadBalancer lb =
        balancer(
            Selectors.ringHash(),
            List.of(
                Server.builder("a", 1).weight(1).build(),
                Server.builder("b", 1).weight(3).build()));
    int picks = 40_000;
    int a = 0;
    int aEmpty = 0;
    for (int i = 0; i < picks; i++) {
      try (Pick p = lb.pick()) {
        a += p.server().id().equals("a:1") ? 1 : 0;
      }
      try (Pick p = lb.pick(PickContext.empty())) {
        aEmpty += p.server().id().equals("a:1") ? 1 : 0;
      }
    }
    // "a" owns 33 of 133 virtual nodes; its arc share is what random points land on.
    double share = ringShare(lb, "a:1");
    double fiveSigma = 5 * Math.sqrt(picks * share * (1 - share));
    assertThat((double) a).isCloseTo(picks * share, within(fiveSigma));
    assertThat((double) aEmpty).isCloseTo(picks * share, within(fiveSigma));
    assertThat(share).isCloseTo(0.25, within(0.08));
  }

  /** The fraction of the 2^64 key space whose keys the ring maps to this server. */
  static double ringShare(LoadBalancer lb, String id) {
    Endpoint[] endpoints = lb.eligibleEndpoints().toArray(new Endpoint[0]);
    HashRing ring = HashRing.build(endpoints, 1, 100);
    double share = 0;
    long[] pts = ring.points;
    for (int i = 0; i < pts.length; i++) {
      if (ring.owner(i).server().id().equals(id)) {
        // Node i owns the arc (previous point, point i]; as unsigned distance in 2^64.
        long prev = pts[i == 0 ? pts.length - 1 : i - 1];
        double arc = (double) (pts[i] - prev);
        if (arc <= 0) {
          arc += 0x1p64;
        }
        share += arc / 0x1p64;
      }
    }
    return share;
  }

  @Test
  void aWarmingServerGetsAShareOfKeysThatGrowsWithItsWeight() {
    FakeTicker ticker = new FakeTicker();
    List<Server> list = servers(11);
    try (LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.ringHash())
            .ticker(ticker)
            .slowStart(SlowStart.of(Duration.ofSeconds(10), 1.0, 10))
            .servers(list.subList(0, 10))
            .build()) {
      String newcomer = list.get(10).id();
      lb.addServer(list.get(10));
      ticker.advance(Duration.ofSeconds(1));
      lb.maintain();
      int warming = counts(assign(lb, 20_000)).getOrDefault(newcomer, 0);
      ticker.advance(Duration.ofSeconds(10));
      lb.maintain();
      int warm = counts(assign(lb, 20_000)).getOrDefault(newcomer, 0);
      System.out.printf("ring hash slow start: newcomer keys warming %d, warm %d%n", warming, warm);
      // At 10% of its weight it has 10 of its 100 virtual nodes: a share of about 1%, against 9%.
      assertThat(warming).isLessThan(warm / 3);
      assertThat(warm).isGreaterThan(20_000 / 22);
    }
  }

  @Test
  void rejectsBadSizes() {
    assertThatThrownBy(() -> Selectors.ringHash(0, 100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minRingSize");
    assertThatThrownBy(() -> Selectors.ringHash(1024, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("virtualNodes");
    assertThat(Selectors.ringHash().name()).isEqualTo("ring_hash");
    assertThat(Selectors.ringHash().usesInFlight()).isFalse();
    assertThat(Selectors.ringHash().usesLatency()).isFalse();
  }

  @Test
  void virtualNodeCountsFollowTheHighestWeight() {
    LoadBalancer lb =
        balancer(
            Selectors.ringHash(),
            List.of(
                Server.builder("a", 1).weight(10).build(),
                Server.builder("b", 1).weight(5).build(),
                Server.builder("c", 1).weight(0.001).build()));
    int[] counts =
        HashRing.virtualNodeCounts(lb.eligibleEndpoints().toArray(new Endpoint[0]), 1024, 100);
    // 1,024 * 10 / 15.001 = 682.6 -> 683 for the heaviest, half for b, at least one for c.
    assertThat(counts).containsExactly(683, 342, 1);
  }
}
