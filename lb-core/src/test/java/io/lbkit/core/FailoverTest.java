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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Picks that exclude servers ({@link PickContext.Builder#exclude}, chosen by {@link Failover}) and
 * picks of one named server ({@link LoadBalancer#pickServer}): never an excluded server, and no
 * selector state moved, so retries do not skew where first attempts go.
 */
class FailoverTest {

  private static Server server(String id) {
    return Server.builder("127.0.0.1", 8080).id(id).build();
  }

  private static List<Server> servers(int n) {
    List<Server> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(server("s" + i));
    }
    return out;
  }

  private static PickContext excluding(String... ids) {
    PickContext.Builder b = PickContext.builder();
    for (String id : ids) {
      b.exclude(id);
    }
    return b.build();
  }

  /** Every built-in selector, fresh per call. */
  private static Map<String, Supplier<Selector>> allSelectors() {
    Map<String, Supplier<Selector>> m = new HashMap<>();
    m.put("round_robin", Selectors::roundRobin);
    m.put("weighted_round_robin", Selectors::weightedRoundRobin);
    m.put("random", Selectors::random);
    m.put("weighted_random", Selectors::weightedRandom);
    m.put("least_connections", Selectors::leastConnections);
    m.put("weighted_least_connections", Selectors::weightedLeastConnections);
    m.put("p2c", Selectors::powerOfTwoChoices);
    m.put("least_response_time", Selectors::leastResponseTime);
    m.put("ring_hash", Selectors::ringHash);
    m.put("maglev", Selectors::maglev);
    m.put("bounded_load_hash", () -> Selectors.boundedLoadHash(0.25));
    m.put("zone_aware", () -> Selectors.zoneAware("z1", Selectors.roundRobin()));
    m.put(
        "subset",
        () ->
            Selectors.subset(
                SubsetRule.byAttribute("v", "version"),
                Selectors.roundRobin(),
                SubsetFallback.ANY_ENDPOINT));
    return m;
  }

  /**
   * The defect this fixes, at the core: a retry that went through the round-robin picker advanced
   * the shared rotation, so with one failing server every first attempt landed on it.
   */
  @Test
  void retriesDoNotMoveTheRoundRobinRotation() {
    LoadBalancer lb =
        LoadBalancer.builder().selector(Selectors.roundRobin()).servers(servers(2)).build();
    Map<String, Integer> firstAttempts = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      Pick first = lb.pick();
      firstAttempts.merge(first.server().id(), 1, Integer::sum);
      if (first.server().id().equals("s0")) {
        // s0 refuses connections: the caller retries elsewhere.
        first.complete(Outcome.CONNECT_FAILURE);
        Pick retry = lb.pick(excluding("s0"));
        assertThat(retry.server().id()).isEqualTo("s1");
        retry.success();
      } else {
        first.success();
      }
    }
    assertThat(firstAttempts).containsEntry("s0", 100).containsEntry("s1", 100);
  }

  @Test
  void retriesDoNotMoveTheWeightedRotationEither() {
    List<Server> fleet =
        List.of(
            Server.builder("127.0.0.1", 1).id("a").weight(3).build(),
            Server.builder("127.0.0.1", 2).id("b").weight(1).build(),
            Server.builder("127.0.0.1", 3).id("c").weight(1).build());
    LoadBalancer plain =
        LoadBalancer.builder()
            .selector(Selectors.weightedRoundRobin())
            .random(new SplittableRandom(7))
            .servers(fleet)
            .build();
    LoadBalancer retrying =
        LoadBalancer.builder()
            .selector(Selectors.weightedRoundRobin())
            .random(new SplittableRandom(7))
            .servers(fleet)
            .build();
    for (int i = 0; i < 500; i++) {
      Pick expected = plain.pick();
      Pick actual = retrying.pick();
      assertThat(actual.server()).isEqualTo(expected.server());
      retrying.pick(excluding(actual.server().id())).success();
    }
  }

  @Test
  void everySelectorHonoursExclusionsAndReachesEveryOtherServer() {
    SplittableRandom random = new SplittableRandom(1);
    allSelectors()
        .forEach(
            (name, selector) -> {
              List<Server> fleet = new ArrayList<>();
              for (int i = 0; i < 6; i++) {
                fleet.add(
                    Server.builder("127.0.0.1", 9000 + i)
                        .id("s" + i)
                        .zone(i % 2 == 0 ? "z1" : "z2")
                        .putMetadata("version", "v1")
                        .build());
              }
              LoadBalancer lb =
                  LoadBalancer.builder().selector(selector.get()).servers(fleet).build();
              for (int round = 0; round < 50; round++) {
                Set<String> excluded = new HashSet<>();
                for (int i = 0; i < 6; i++) {
                  if (random.nextInt(3) == 0) {
                    excluded.add("s" + i);
                  }
                }
                if (excluded.isEmpty() || excluded.size() == 6) {
                  continue;
                }
                PickContext.Builder b = PickContext.builder().exclude(excluded);
                if (round % 2 == 0) {
                  b.hashKey("key-" + round);
                }
                if (name.equals("subset")) {
                  b.attribute("v", "v1");
                }
                PickContext context = b.build();
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < 300; i++) {
                  try (Pick p = lb.pick(context)) {
                    assertThat(excluded).as(name).doesNotContain(p.server().id());
                    seen.add(p.server().id());
                  }
                }
                if (!context.hasHashKey()) {
                  assertThat(seen.size() + excluded.size()).as(name + " reaches all").isEqualTo(6);
                } else {
                  assertThat(seen).as(name + " keyed retries agree").hasSize(1);
                }
              }
              lb.close();
            });
  }

  @Test
  void excludingEveryServerSaysSo() {
    LoadBalancer lb =
        LoadBalancer.builder().selector(Selectors.roundRobin()).servers(servers(2)).build();
    assertThatThrownBy(() -> lb.pick(excluding("s0", "s1")))
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e -> assertThat(e.reason()).isEqualTo(NoAvailableServerException.Reason.ALL_EXCLUDED))
        .hasMessageContaining("excludes every one of the 2 servers")
        .hasMessageContaining("s0");
    // Excluding unknown ids changes nothing.
    assertThat(lb.pick(excluding("nope")).server().id()).isIn("s0", "s1");
  }

  @Test
  void aKeyedRetryMovesOnlyTheExcludedServersKeys() {
    LoadBalancer lb =
        LoadBalancer.builder().selector(Selectors.ringHash()).servers(servers(10)).build();
    int moved = 0;
    int total = 2_000;
    Map<String, Integer> share = new HashMap<>();
    for (int k = 0; k < total; k++) {
      PickContext all = PickContext.builder().hashKey("k" + k).exclude("none").build();
      PickContext withoutS3 = PickContext.builder().hashKey("k" + k).exclude("s3").build();
      String before = lb.pick(all).server().id();
      String after = lb.pick(withoutS3).server().id();
      share.merge(before, 1, Integer::sum);
      if (!before.equals(after)) {
        assertThat(before).isEqualTo("s3");
        moved++;
      }
    }
    assertThat(moved).isEqualTo(share.get("s3"));
    // Rendezvous spreads keys evenly: each of 10 servers near 10%.
    assertThat(share.values()).allSatisfy(n -> assertThat(n).isBetween(120, 280));
  }

  @Test
  void aRetryStaysInTheRequestsSubset() {
    List<Server> fleet =
        List.of(
            Server.builder("127.0.0.1", 1).id("a1").putMetadata("version", "v1").build(),
            Server.builder("127.0.0.1", 2).id("a2").putMetadata("version", "v1").build(),
            Server.builder("127.0.0.1", 3).id("b1").putMetadata("version", "v2").build());
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(
                Selectors.subset(
                    SubsetRule.byAttribute("v", "version"),
                    Selectors.roundRobin(),
                    SubsetFallback.NO_ENDPOINT))
            .servers(fleet)
            .build();
    PickContext retry = PickContext.builder().attribute("v", "v1").exclude("a1").build();
    for (int i = 0; i < 100; i++) {
      assertThat(lb.pick(retry).server().id()).isEqualTo("a2");
    }
    PickContext exhausted =
        PickContext.builder().attribute("v", "v1").exclude("a1").exclude("a2").build();
    assertThatThrownBy(() -> lb.pick(exhausted))
        .isInstanceOf(NoAvailableServerException.class)
        .hasMessageContaining("excludes every one of the 2 servers");
  }

  @Test
  void aRetryPrefersTheLessLoadedServerWhenInFlightIsCounted() {
    LoadBalancer lb =
        LoadBalancer.builder().selector(Selectors.leastConnections()).servers(servers(3)).build();
    Pick held1 = lb.pickServer("s1").orElseThrow();
    Pick held2 = lb.pickServer("s1").orElseThrow();
    for (int i = 0; i < 100; i++) {
      // Two candidates left (s1 busy, s2 idle): both are compared, the idle one wins every time.
      try (Pick p = lb.pick(excluding("s0"))) {
        assertThat(p.server().id()).isEqualTo("s2");
      }
    }
    held1.success();
    held2.success();
  }

  @Test
  void pickServerTracksThePickAndMovesNoRotation() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(servers(3))
            .random(new SplittableRandom(3))
            .build();
    LoadBalancer twin =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(servers(3))
            .random(new SplittableRandom(3))
            .build();
    for (int i = 0; i < 30; i++) {
      assertThat(lb.pick().server()).isEqualTo(twin.pick().server());
      Pick pinned = lb.pickServer("s2").orElseThrow();
      assertThat(pinned.server().id()).isEqualTo("s2");
      pinned.success();
    }
    assertThat(lb.pickServer("missing")).isEmpty();
    lb.setHealth("s1", HealthState.UNHEALTHY);
    assertThat(lb.pickServer("s1")).isEmpty();
  }

  @Test
  void pickServerCountsInFlight() {
    LoadBalancer lb =
        LoadBalancer.builder().selector(Selectors.leastConnections()).servers(servers(2)).build();
    Pick p = lb.pickServer("s0").orElseThrow();
    assertThat(lb.status("s0").orElseThrow().inFlight()).isEqualTo(1);
    p.success();
    assertThat(lb.status("s0").orElseThrow().inFlight()).isZero();
  }

  @Test
  @SuppressWarnings("NullAway") // the point: a null id
  void contextsCarryExclusionsThroughToBuilder() {
    PickContext c = PickContext.builder().hashKey("k").attribute("a", "b").exclude("x").build();
    PickContext d = c.toBuilder().exclude("y").build();
    assertThat(d.excludedServerIds()).containsExactly("x", "y");
    assertThat(d.hashKey()).isEqualTo(c.hashKey());
    assertThat(d.attributes()).isEqualTo(c.attributes());
    assertThat(d.excludes("y")).isTrue();
    assertThat(c.excludes("y")).isFalse();
    assertThat(PickContext.empty().hasExclusions()).isFalse();
    assertThat(d.toString()).contains("excluded=[x, y]");
    assertThatThrownBy(() -> PickContext.builder().exclude(""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PickContext.builder().exclude((String) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("serverId");
  }
}
