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

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Zone-aware routing: all local while the local zone is as healthy as the whole, proportional
 * spill-over when it is less healthy, composition with base selectors, health and slow start.
 *
 * <p>Statistical checks use 100,000 picks: a share p then has a standard deviation of at most
 * sqrt(0.25 / 100000) = 0.0016, and the tolerance of 0.01 is more than six of them, so a correct
 * implementation fails with a probability below one in a billion, while any error in the rule
 * larger than 0.01 fails.
 */
class ZoneAwareSelectorTest {
  private static final int PICKS = 100_000;
  private static final double TOLERANCE = 0.01;

  private final FakeTicker ticker = new FakeTicker();

  private static Server server(String id, String zone) {
    return Server.builder(id, 80).id(id).zone(zone).build();
  }

  /** Three zones a, b, c of three servers each: a1..a3, b1..b3, c1..c3. */
  private static List<Server> threeZones() {
    List<Server> servers = new ArrayList<>();
    for (String zone : List.of("a", "b", "c")) {
      for (int i = 1; i <= 3; i++) {
        servers.add(server(zone + i, zone));
      }
    }
    return servers;
  }

  private LoadBalancer balancer(Selector selector, List<Server> servers) {
    return LoadBalancer.builder().selector(selector).servers(servers).ticker(ticker).build();
  }

  /** Picks n times (completing each pick) and counts picks per server id. */
  private static Map<String, Integer> countServers(LoadBalancer lb, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      try (Pick pick = lb.pick()) {
        counts.merge(pick.server().id(), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Picks n times and returns the share of picks per zone ("unknown" for servers without one). */
  private static Map<String, Double> zoneShares(LoadBalancer lb, int n) {
    Map<String, Double> shares = new HashMap<>();
    for (int i = 0; i < n; i++) {
      try (Pick pick = lb.pick()) {
        shares.merge(pick.server().zone().orElse("unknown"), 1.0 / n, Double::sum);
      }
    }
    return shares;
  }

  @Test
  void allPicksStayLocalWhileTheLocalZoneIsHealthy() {
    LoadBalancer lb = balancer(Selectors.zoneAware("a", Selectors.roundRobin()), threeZones());

    Map<String, Integer> counts = countServers(lb, 9_000);

    // Round robin within the zone: exactly a third each, nothing remote.
    assertThat(counts)
        .containsOnly(Map.entry("a1", 3000), Map.entry("a2", 3000), Map.entry("a3", 3000));
  }

  @Test
  void oneOfThreeLocalServersDownSpillsAQuarterInProportion() {
    LoadBalancer lb = balancer(Selectors.zoneAware("a", Selectors.roundRobin()), threeZones());
    lb.setHealth("a1", HealthState.UNHEALTHY);

    Map<String, Double> shares = zoneShares(lb, PICKS);

    // expected local share 3/9, actual 2/8: local with probability (2/8) / (3/9) = 0.75, and the
    // remaining 0.25 split by eligible weight between b and c.
    assertThat(shares.get("a")).isCloseTo(0.75, within(TOLERANCE));
    assertThat(shares.get("b")).isCloseTo(0.125, within(TOLERANCE));
    assertThat(shares.get("c")).isCloseTo(0.125, within(TOLERANCE));
    assertThat(countServers(lb, 1000)).doesNotContainKey("a1");

    lb.setHealth("a1", HealthState.HEALTHY);
    assertThat(zoneShares(lb, 3000)).containsOnlyKeys("a");
  }

  @Test
  void spillOverFollowsWeightsAndIsContinuousWithOverprovisioning() {
    List<Server> servers = new ArrayList<>(threeZones());
    // Zone c's servers are twice as big: the residual goes two to one to c.
    servers.replaceAll(s -> s.zone().orElseThrow().equals("c") ? s.withWeight(2) : s);
    LoadBalancer lb = balancer(Selectors.zoneAware("a", Selectors.weightedRoundRobin()), servers);
    lb.setHealth("a1", HealthState.UNHEALTHY);
    lb.setHealth("a2", HealthState.UNHEALTHY);

    // expected 3/12, actual 1/10: local 0.4, residual 0.6 split 3:6 between b and c.
    Map<String, Double> shares = zoneShares(lb, PICKS);
    assertThat(shares.get("a")).isCloseTo(0.4, within(TOLERANCE));
    assertThat(shares.get("b")).isCloseTo(0.2, within(TOLERANCE));
    assertThat(shares.get("c")).isCloseTo(0.4, within(TOLERANCE));

    // The same with an overprovisioning factor of 1.5: local 0.6, residual 0.4.
    LoadBalancer over =
        balancer(Selectors.zoneAware("a", Selectors.weightedRoundRobin(), 1.5, 1), servers);
    over.setHealth("a1", HealthState.UNHEALTHY);
    assertThat(zoneShares(over, 3000))
        .as("one of three down: 1.5 * (2/11) / (3/12) >= 1, all local")
        .containsOnlyKeys("a");
    over.setHealth("a2", HealthState.UNHEALTHY);
    Map<String, Double> overShares = zoneShares(over, PICKS);
    assertThat(overShares.get("a")).isCloseTo(0.6, within(TOLERANCE));
    assertThat(overShares.get("c")).isCloseTo(0.4 * 2 / 3, within(TOLERANCE));
  }

  @Test
  void zonesEquallyDegradedKeepEverythingLocal() {
    LoadBalancer lb = balancer(Selectors.zoneAware("a", Selectors.roundRobin()), threeZones());
    lb.setHealth("a1", HealthState.UNHEALTHY);
    lb.setHealth("b1", HealthState.UNHEALTHY);
    lb.setHealth("c1", HealthState.UNHEALTHY);

    // The local zone is as healthy as the cluster: actual 2/6 equals expected 3/9.
    assertThat(countServers(lb, 3000)).containsOnlyKeys("a2", "a3");
  }

  @Test
  void noEligibleLocalServerSendsEverythingToTheOtherZones() {
    LoadBalancer lb = balancer(Selectors.zoneAware("a", Selectors.roundRobin()), threeZones());
    for (String id : List.of("a1", "a2", "a3")) {
      lb.setHealth(id, HealthState.UNHEALTHY);
    }

    Map<String, Double> shares = zoneShares(lb, PICKS);

    assertThat(shares).containsOnlyKeys("b", "c");
    assertThat(shares.get("b")).isCloseTo(0.5, within(TOLERANCE));
  }

  @Test
  void aClientInAZoneWithoutServersSpreadsOverAllZones() {
    LoadBalancer lb =
        balancer(Selectors.zoneAware("elsewhere", Selectors.roundRobin()), threeZones());

    Map<String, Double> shares = zoneShares(lb, PICKS);

    assertThat(shares.get("a")).isCloseTo(1.0 / 3, within(TOLERANCE));
    assertThat(shares.get("b")).isCloseTo(1.0 / 3, within(TOLERANCE));
    assertThat(shares.get("c")).isCloseTo(1.0 / 3, within(TOLERANCE));
  }

  @Test
  void serversWithoutAZoneFormTheirOwnGroup() {
    List<Server> servers =
        List.of(
            server("a1", "a"),
            server("a2", "a"),
            Server.builder("u1", 80).id("u1").build(),
            Server.builder("u2", 80).id("u2").build());
    LoadBalancer lb = balancer(Selectors.zoneAware("a", Selectors.roundRobin()), servers);

    assertThat(countServers(lb, 1000)).containsOnlyKeys("a1", "a2");

    lb.setHealth("a1", HealthState.UNHEALTHY);
    // expected 2/4, actual 1/3: local 2/3, the unknown group the rest.
    Map<String, Double> shares = zoneShares(lb, PICKS);
    assertThat(shares.get("a")).isCloseTo(2.0 / 3, within(TOLERANCE));
    assertThat(shares.get("unknown")).isCloseTo(1.0 / 3, within(TOLERANCE));

    lb.setHealth("a2", HealthState.UNHEALTHY);
    assertThat(countServers(lb, 1000)).containsOnlyKeys("u1", "u2");
  }

  @Test
  void leastConnectionsWithinTheLocalZoneIgnoresIdleRemoteServers() {
    LoadBalancer lb =
        balancer(Selectors.zoneAware("a", Selectors.leastConnections()), threeZones());
    assertThat(lb.selector().usesInFlight()).isTrue();

    List<Pick> open = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      open.add(lb.pick());
    }

    // Remote servers stay idle, and least connections balanced the local ones exactly.
    Map<String, Integer> perServer = new HashMap<>();
    open.forEach(p -> perServer.merge(p.server().id(), 1, Integer::sum));
    assertThat(perServer)
        .containsOnly(Map.entry("a1", 10), Map.entry("a2", 10), Map.entry("a3", 10));
    open.forEach(Pick::close);
  }

  @Test
  void belowTheMinimumClusterSizeZonesAreIgnored() {
    LoadBalancer lb =
        balancer(Selectors.zoneAware("a", Selectors.roundRobin(), 1.0, 10), threeZones());

    Map<String, Integer> counts = countServers(lb, 9_000);

    // Nine eligible servers < 10: plain round robin over all nine.
    assertThat(counts).hasSize(9).allSatisfy((id, n) -> assertThat(n).isEqualTo(1000));
  }

  @Test
  void aWarmingLocalServerSpillsUntilItHasWarmedUp() {
    List<Server> servers = new ArrayList<>(threeZones());
    servers.removeIf(s -> s.id().equals("a3"));
    try (LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.zoneAware("a", Selectors.roundRobin()))
            .servers(servers)
            .ticker(ticker)
            .slowStart(SlowStart.of(Duration.ofSeconds(30)))
            .build()) {
      lb.addServer(server("a3", "a"));
      double factor =
          lb.eligibleEndpoints().stream()
              .filter(e -> e.server().id().equals("a3"))
              .findFirst()
              .orElseThrow()
              .weight();
      assertThat(factor).isLessThan(0.5);

      // Capacity counts a3 fully (3/9) while it serves with its ramped weight.
      double expectedLocal = ((2 + factor) / (8 + factor)) / (3.0 / 9);
      assertThat(zoneShares(lb, PICKS).get("a")).isCloseTo(expectedLocal, within(TOLERANCE));

      ticker.advance(Duration.ofSeconds(31));
      lb.maintain();
      assertThat(zoneShares(lb, 3000)).containsOnlyKeys("a");
    }
  }

  @Test
  void hashKeysAreForwardedAndKeepTheirZoneWhileSpilling() {
    LoadBalancer lb = balancer(Selectors.zoneAware("a", new KeyHashSelector()), threeZones());
    lb.setHealth("a1", HealthState.UNHEALTHY);

    int local = 0;
    int keys = 20_000;
    for (int k = 0; k < keys; k++) {
      PickContext context = PickContext.ofHashKey("session-" + k);
      String first;
      try (Pick pick = lb.pick(context)) {
        first = pick.server().id();
      }
      try (Pick again = lb.pick(context)) {
        assertThat(again.server().id()).as("same key, same server").isEqualTo(first);
      }
      if (first.startsWith("a")) {
        local++;
      }
    }
    // Keys split between zones in the spill proportion (0.75 local); 20k keys: sd 0.003.
    assertThat((double) local / keys).isCloseTo(0.75, within(0.02));
  }

  /**
   * Capacity comes from the balancer's membership: servers removed for good no longer count towards
   * their zone's expected share. (Learned as the largest snapshot ever seen, the removed servers'
   * weight stayed, and the shrunken local zone spilled more than half of its picks.)
   */
  @Test
  void serversRemovedForGoodNoLongerCountTowardsTheirZone() {
    LoadBalancer lb = balancer(Selectors.zoneAware("a", Selectors.roundRobin()), threeZones());
    lb.removeServer("a1");
    lb.removeServer("a2");

    // expected local share 1/7, actual 1/7: everything stays local.
    assertThat(zoneShares(lb, 3000)).containsOnlyKeys("a");

    // A member that is down still counts: expected 2/8 with a3 and a new a4, actual 1/7.
    lb.addServer(server("a4", "a"));
    lb.setHealth("a4", HealthState.UNHEALTHY);
    Map<String, Double> shares = zoneShares(lb, PICKS);
    assertThat(shares.get("a")).isCloseTo((1.0 / 7) / (2.0 / 8), within(TOLERANCE));
  }

  /**
   * Under a subset decorator, a subset's zones are measured on the subset's own members, also when
   * the subset is first picked while some of its servers are down (it used to take the survivors
   * for the subset's whole capacity, and keep everything local).
   */
  @Test
  void aSubsetFirstPickedWhileServersAreDownKnowsItsFullCapacity() {
    List<Server> servers = new ArrayList<>();
    for (String id : List.of("a1", "a2", "b1", "b2")) {
      servers.add(
          Server.builder(id, 80)
              .id(id)
              .zone(id.substring(0, 1))
              .metadata(Map.of("v", "2"))
              .build());
    }
    servers.add(Server.builder("a9", 80).id("a9").zone("a").metadata(Map.of("v", "1")).build());
    LoadBalancer lb =
        balancer(
            Selectors.subset(
                SubsetRule.byAttribute("v", "v"),
                Selectors.zoneAware("a", Selectors.roundRobin()),
                SubsetFallback.NO_ENDPOINT),
            servers);
    lb.setHealth("a2", HealthState.UNHEALTHY);
    PickContext v2 = PickContext.builder().attribute("v", "2").build();

    Map<String, Double> shares = new HashMap<>();
    for (int i = 0; i < PICKS; i++) {
      try (Pick pick = lb.pick(v2)) {
        shares.merge(pick.server().zone().orElseThrow(), 1.0 / PICKS, Double::sum);
      }
    }
    // The subset's local zone: expected 2/4, actual 1/3, so local with probability 2/3.
    assertThat(shares.get("a")).isCloseTo(2.0 / 3, within(TOLERANCE));
  }

  @Test
  void badSettingsAreRejectedNamingThem() {
    assertThatThrownBy(() -> Selectors.zoneAware(" ", Selectors.roundRobin()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("localZone");
    assertThatThrownBy(() -> Selectors.zoneAware("a", Selectors.roundRobin(), 0.9, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overprovisioningFactor");
    assertThatThrownBy(() -> Selectors.zoneAware("a", Selectors.roundRobin(), 1.0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minClusterSize");
    assertThat(Selectors.zoneAware("a", Selectors.roundRobin()).name())
        .isEqualTo("zone_aware(a, round_robin)");
  }
}
