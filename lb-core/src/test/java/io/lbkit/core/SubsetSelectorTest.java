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

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Subsets: routing by request metadata, each fallback, and composition with zones and hashing. */
class SubsetSelectorTest {
  private static final SubsetRule BY_PATH =
      SubsetRule.of(
          context -> {
            String path = context.attribute("path");
            return Map.of("version", path != null && path.startsWith("/v2/") ? "v2" : "v1");
          });
  private static final SubsetRule BY_VERSION = SubsetRule.byAttribute("version", "version");

  private static Server server(String id, String version) {
    return Server.builder(id, 80).id(id).putMetadata("version", version).build();
  }

  private static Server server(String id, String zone, String version) {
    return Server.builder(id, 80).id(id).zone(zone).putMetadata("version", version).build();
  }

  /** v1a and v1b of version v1, v2a and v2b of version v2. */
  private static List<Server> twoVersions() {
    return List.of(
        server("v1a", "v1"), server("v1b", "v1"), server("v2a", "v2"), server("v2b", "v2"));
  }

  private static LoadBalancer balancer(Selector selector, List<Server> servers) {
    return LoadBalancer.builder().selector(selector).servers(servers).build();
  }

  private static PickContext path(String path) {
    return PickContext.builder().attribute("path", path).build();
  }

  private static PickContext version(String version) {
    return PickContext.builder().attribute("version", version).build();
  }

  private static Map<String, Integer> count(LoadBalancer lb, PickContext context, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      try (Pick pick = lb.pick(context)) {
        counts.merge(pick.server().id(), 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Wraps round robin and counts the pickers it builds. */
  private static final class CountingSelector implements Selector {
    final Selector delegate = Selectors.roundRobin();
    final AtomicInteger built = new AtomicInteger();

    @Override
    public Picker newPicker(ImmutableList<Endpoint> endpoints) {
      built.incrementAndGet();
      return delegate.newPicker(endpoints);
    }
  }

  @Test
  void routesV2PathsToV2ServersAndTheRestToV1() {
    LoadBalancer lb =
        balancer(
            Selectors.subset(BY_PATH, Selectors.roundRobin(), SubsetFallback.NO_ENDPOINT),
            twoVersions());

    assertThat(count(lb, path("/v2/items"), 1000))
        .containsOnly(Map.entry("v2a", 500), Map.entry("v2b", 500));
    assertThat(count(lb, path("/v1/items"), 1000))
        .containsOnly(Map.entry("v1a", 500), Map.entry("v1b", 500));
    // A pick without a context is a request without a path: version v1.
    try (Pick pick = lb.pick()) {
      assertThat(pick.server().metadata()).containsEntry("version", "v1");
    }
  }

  @Test
  void byAttributeRequiresTheAttributeValueAndNothingWithoutIt() {
    LoadBalancer lb =
        balancer(
            Selectors.subset(BY_VERSION, Selectors.roundRobin(), SubsetFallback.NO_ENDPOINT),
            twoVersions());

    assertThat(count(lb, version("v2"), 100)).containsOnlyKeys("v2a", "v2b");
    assertThat(count(lb, PickContext.builder().attribute("other", "x").build(), 1000))
        .as("no version attribute: any server")
        .containsOnly(
            Map.entry("v1a", 250),
            Map.entry("v1b", 250),
            Map.entry("v2a", 250),
            Map.entry("v2b", 250));
    assertThat(BY_VERSION.requiredMetadata(version("v9")))
        .containsExactly(Map.entry("version", "v9"));
    assertThat(BY_VERSION.requiredMetadata(PickContext.empty())).isEmpty();
  }

  @Test
  void anyEndpointFallbackUsesEveryServer() {
    LoadBalancer lb =
        balancer(
            Selectors.subset(BY_VERSION, Selectors.roundRobin(), SubsetFallback.ANY_ENDPOINT),
            twoVersions());

    assertThat(count(lb, version("v3"), 400))
        .hasSize(4)
        .allSatisfy((id, n) -> assertThat(n).isEqualTo(100));
  }

  @Test
  void noEndpointFallbackFailsWithAReasonNamingTheRequirement() {
    LoadBalancer lb =
        balancer(
            Selectors.subset(BY_VERSION, Selectors.roundRobin(), SubsetFallback.NO_ENDPOINT),
            twoVersions());

    assertThatThrownBy(() -> lb.pick(version("v3")))
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(NoAvailableServerException.Reason.NO_MATCHING_SUBSET))
        .hasMessageContaining("{version=v3}");

    // A subset emptied by health fails the same way, and comes back with its servers.
    lb.setHealth("v2a", HealthState.UNHEALTHY);
    lb.setHealth("v2b", HealthState.UNHEALTHY);
    assertThatThrownBy(() -> lb.pick(version("v2")))
        .isInstanceOf(NoAvailableServerException.class)
        .hasMessageContaining("none of the 2 eligible servers has metadata {version=v2}");
    assertThat(count(lb, version("v1"), 10)).containsOnlyKeys("v1a", "v1b");
    lb.setHealth("v2b", HealthState.HEALTHY);
    assertThat(count(lb, version("v2"), 10)).containsOnlyKeys("v2b");
  }

  @Test
  void defaultSubsetFallbackUsesTheDefaultThenFails() {
    LoadBalancer lb =
        balancer(
            Selectors.subset(BY_VERSION, Selectors.roundRobin(), Map.of("version", "v1")),
            twoVersions());

    assertThat(count(lb, version("v3"), 100)).containsOnlyKeys("v1a", "v1b");
    assertThat(count(lb, version("v2"), 100)).containsOnlyKeys("v2a", "v2b");

    lb.setHealth("v2a", HealthState.UNHEALTHY);
    lb.setHealth("v2b", HealthState.UNHEALTHY);
    assertThat(count(lb, version("v2"), 100)).as("empty subset").containsOnlyKeys("v1a", "v1b");

    lb.setHealth("v2a", HealthState.HEALTHY);
    lb.setHealth("v1a", HealthState.UNHEALTHY);
    lb.setHealth("v1b", HealthState.UNHEALTHY);
    assertThatThrownBy(() -> lb.pick(version("v3")))
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(NoAvailableServerException.Reason.NO_MATCHING_SUBSET))
        .hasMessageContaining("nor the default subset {version=v1}");
  }

  @Test
  void factoriesRejectAnIncompleteDefaultSubset() {
    assertThatThrownBy(
            () ->
                Selectors.subset(BY_VERSION, Selectors.roundRobin(), SubsetFallback.DEFAULT_SUBSET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DEFAULT_SUBSET");
    assertThatThrownBy(() -> Selectors.subset(BY_VERSION, Selectors.roundRobin(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("defaultSubset");
    assertThatThrownBy(() -> SubsetRule.byAttribute("", "version"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attribute");
    assertThatThrownBy(() -> SubsetRule.of(c -> null).requiredMetadata(PickContext.empty()))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("returned null");
  }

  @Test
  void endpointsMustHaveEveryRequiredPair() {
    List<Server> servers =
        List.of(
            Server.builder("x", 80)
                .id("x")
                .putMetadata("version", "v2")
                .putMetadata("stage", "canary")
                .build(),
            Server.builder("y", 80).id("y").putMetadata("version", "v2").build());
    LoadBalancer lb =
        balancer(
            Selectors.subset(
                SubsetRule.of(c -> c.attributes()),
                Selectors.roundRobin(),
                SubsetFallback.NO_ENDPOINT),
            servers);

    PickContext canary =
        PickContext.builder().attribute("version", "v2").attribute("stage", "canary").build();
    assertThat(count(lb, canary, 10)).containsOnlyKeys("x");
    assertThat(count(lb, version("v2"), 10)).containsOnlyKeys("x", "y");
    PickContext mixed =
        PickContext.builder().attribute("version", "v1").attribute("stage", "canary").build();
    assertThatThrownBy(() -> lb.pick(mixed)).isInstanceOf(NoAvailableServerException.class);
  }

  @Test
  void subsetPickersAreBuiltOncePerSnapshotAndUnknownValuesAreNotCached() {
    CountingSelector base = new CountingSelector();
    LoadBalancer lb =
        balancer(Selectors.subset(BY_VERSION, base, SubsetFallback.ANY_ENDPOINT), twoVersions());
    assertThat(base.built).as("lazy: nothing built before the first pick").hasValue(0);

    count(lb, version("v2"), 100);
    assertThat(base.built).hasValue(1);
    for (int i = 0; i < 1000; i++) {
      try (Pick pick = lb.pick(version("unknown-" + i))) {
        assertThat(pick.server()).isNotNull();
      }
    }
    assertThat(base.built).as("one picker over all servers for every unknown value").hasValue(2);

    lb.setHealth("v1a", HealthState.UNHEALTHY);
    count(lb, version("v2"), 100);
    assertThat(base.built).as("a new snapshot builds its subsets again").hasValue(3);
  }

  @Test
  void theCacheIsBoundedAndSubsetsBeyondItStillRouteCorrectly() {
    List<Server> servers = new ArrayList<>();
    int shards = SubsetSelector.MAX_CACHED_SUBSETS + 44;
    for (int i = 0; i < shards; i++) {
      servers.add(Server.builder("s" + i, 80).id("s" + i).putMetadata("shard", "" + i).build());
    }
    CountingSelector base = new CountingSelector();
    LoadBalancer lb =
        balancer(
            Selectors.subset(
                SubsetRule.byAttribute("shard", "shard"), base, SubsetFallback.NO_ENDPOINT),
            servers);

    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < shards; i++) {
        try (Pick pick = lb.pick(PickContext.builder().attribute("shard", "" + i).build())) {
          assertThat(pick.server().id()).isEqualTo("s" + i);
        }
      }
    }
    // The first 256 subsets are cached; the other 44 are rebuilt on each of the two rounds.
    assertThat(base.built).hasValue(shards + 44);
  }

  @Test
  void subsetsComposeWithZonesKeepingEachSubsetsCapacityApart() {
    // v1: three servers in a, one in b; v2: one in a, three in b. The client is in zone a.
    List<Server> servers =
        List.of(
            server("a-v1-1", "a", "v1"),
            server("a-v1-2", "a", "v1"),
            server("a-v1-3", "a", "v1"),
            server("b-v1-1", "b", "v1"),
            server("a-v2-1", "a", "v2"),
            server("b-v2-1", "b", "v2"),
            server("b-v2-2", "b", "v2"),
            server("b-v2-3", "b", "v2"));
    LoadBalancer lb =
        balancer(
            Selectors.subset(
                BY_VERSION,
                Selectors.zoneAware("a", Selectors.roundRobin()),
                SubsetFallback.NO_ENDPOINT),
            servers);

    // Each subset's local zone holds its expected share, so both stay local: v2 would spill half
    // of its picks if the zones' capacity of v1 and v2 were mixed.
    assertThat(count(lb, version("v2"), 1000)).containsOnly(Map.entry("a-v2-1", 1000));
    assertThat(count(lb, version("v1"), 999)).containsOnlyKeys("a-v1-1", "a-v1-2", "a-v1-3");

    lb.setHealth("b-v2-1", HealthState.UNHEALTHY);
    assertThat(count(lb, version("v2"), 1000))
        .as("the remote zone degraded: still local")
        .containsOnlyKeys("a-v2-1");

    lb.setHealth("a-v2-1", HealthState.UNHEALTHY);
    assertThat(count(lb, version("v2"), 1000))
        .as("no local v2: the other zone's v2")
        .containsOnlyKeys("b-v2-2", "b-v2-3");
    assertThat(count(lb, version("v1"), 999))
        .as("v1 unaffected")
        .containsOnlyKeys("a-v1-1", "a-v1-2", "a-v1-3");
  }

  @Test
  void theContextReachesAHashingBaseWithinTheSubset() {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      servers.add(server("v1-" + i, "v1"));
      servers.add(server("v2-" + i, "v2"));
    }
    LoadBalancer lb =
        balancer(
            Selectors.subset(BY_VERSION, new KeyHashSelector(), SubsetFallback.NO_ENDPOINT),
            servers);

    Map<String, Integer> spread = new HashMap<>();
    for (int k = 0; k < 1000; k++) {
      PickContext context =
          PickContext.builder().hashKey("user-" + k).attribute("version", "v2").build();
      String first;
      try (Pick pick = lb.pick(context)) {
        first = pick.server().id();
      }
      assertThat(first).startsWith("v2-");
      try (Pick again = lb.pick(context)) {
        assertThat(again.server().id()).isEqualTo(first);
      }
      spread.merge(first, 1, Integer::sum);
    }
    // The key (not a counter) chose the server: every v2 server got some keys.
    assertThat(spread).hasSize(5);
  }
}
