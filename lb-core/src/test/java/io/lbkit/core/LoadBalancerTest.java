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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Building a {@link LoadBalancer}, changing its membership and health, and what picks see. */
class LoadBalancerTest {
  private static final Server A = Server.of("a", 80);
  private static final Server B = Server.of("b", 80);
  private static final Server C = Server.of("c", 80);
  private static final Server D = Server.of("d", 80);

  private final FakeTicker ticker = new FakeTicker();

  private LoadBalancerBuilder builder(Selector selector) {
    return LoadBalancer.builder().name("inventory").selector(selector).ticker(ticker);
  }

  private static Endpoint endpoint(LoadBalancer lb, String id) {
    return lb.eligibleEndpoints().stream()
        .filter(e -> e.server().id().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError(id + " is not eligible in " + lb));
  }

  private static List<String> ids(LoadBalancer lb) {
    List<String> out = new ArrayList<>();
    for (Server s : lb.servers()) {
      out.add(s.id());
    }
    return out;
  }

  // ---- builder ----

  @Test
  void buildWithoutSelectorFails() {
    assertThatThrownBy(() -> LoadBalancer.builder().servers(A).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("selector");
  }

  @Test
  void selectorCannotBeSetTwice() {
    LoadBalancerBuilder b = LoadBalancer.builder().selector(Selectors.random());
    assertThatThrownBy(() -> b.selector(Selectors.roundRobin()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("selector")
        .message()
        .containsIgnoringCase("random");
    // The first selector stays.
    assertThat(b.servers(A).build().selector().name()).isEqualTo("random");
  }

  @Test
  void serversCannotBeSetTwice() {
    LoadBalancerBuilder b = LoadBalancer.builder().selector(Selectors.random()).servers(A);
    assertThatThrownBy(() -> b.servers(B)).isInstanceOf(IllegalStateException.class);
    assertThat(b.build().servers()).containsExactly(A);
  }

  @Test
  void emptyServerListIsRejected() {
    LoadBalancerBuilder b = LoadBalancer.builder().selector(Selectors.random());
    assertThatThrownBy(() -> b.servers(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> b.servers())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void duplicateIdsAreRejectedNamingTheId() {
    LoadBalancerBuilder b = LoadBalancer.builder().selector(Selectors.random());
    Server sameIdOtherHost = Server.builder("z", 1).id("a:80").build();
    assertThatThrownBy(() -> b.servers(A, B, sameIdOtherHost))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a:80'");
    // The failed call set nothing: servers can still be set once.
    assertThat(b.servers(A, B).build().servers()).containsExactly(A, B);
  }

  @Test
  @SuppressWarnings("NullAway") // deliberately passing nulls
  void nullServerInListIsRejected() {
    List<Server> withNull = new ArrayList<>();
    withNull.add(A);
    withNull.add(null);
    assertThatThrownBy(() -> LoadBalancer.builder().servers(withNull))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("servers[1]");
  }

  @Test
  @SuppressWarnings("NullAway") // deliberately passing nulls
  void setServersNamesTheIndexOfANullServerAndChangesNothing() {
    LoadBalancer lb =
        LoadBalancer.builder().name("orders").selector(Selectors.roundRobin()).servers(A).build();
    List<Server> withNull = new ArrayList<>();
    withNull.add(B);
    withNull.add(null);
    assertThatThrownBy(() -> lb.setServers(withNull))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("orders")
        .hasMessageContaining("index 1");
    assertThat(lb.servers()).containsExactly(A);
  }

  @Test
  void blankNameIsRejectedNamingIt() {
    assertThatThrownBy(() -> LoadBalancer.builder().name(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name")
        .hasMessageContaining("' '");
    assertThatThrownBy(() -> LoadBalancer.builder().name(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
  }

  @Test
  void inFlightExpiryMustBeAtLeastOneMillisecond() {
    LoadBalancerBuilder b = LoadBalancer.builder();
    for (Duration bad :
        List.of(
            Duration.ZERO,
            Duration.ofMillis(-1),
            Duration.ofNanos(999_999),
            Duration.ofSeconds(-5))) {
      assertThatThrownBy(() -> b.inFlightExpiry(bad))
          .as("%s", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("in-flight expiry")
          .hasMessageContaining(bad.toString());
    }
    b.inFlightExpiry(Duration.ofMillis(1));
  }

  @Test
  void latencyModelRejectsBadValuesNamingTheSetting() {
    LoadBalancerBuilder b = LoadBalancer.builder();
    Duration floor = Duration.ofMillis(10);
    assertThatThrownBy(() -> b.latencyModel(Duration.ZERO, 2, floor))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decay")
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> b.latencyModel(Duration.ofSeconds(-1), 2, floor))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decay")
        .hasMessageContaining("PT-1S");
    for (double factor : new double[] {0.99, 0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> b.latencyModel(Duration.ofSeconds(10), factor, floor))
          .as("factor %s", factor)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("factor")
          .hasMessageContaining(String.valueOf(factor));
    }
    assertThatThrownBy(() -> b.latencyModel(Duration.ofSeconds(10), 2, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("floor")
        .hasMessageContaining("PT-0.001S");
    // A decay must be at least 1 ms, as every other timed setting.
    assertThatThrownBy(() -> b.latencyModel(Duration.ofNanos(1), 2, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("decay")
        .hasMessageContaining("PT0.000000001S");
    // The boundaries are valid.
    b.latencyModel(Duration.ofMillis(1), 1.0, Duration.ZERO);
  }

  @Test
  void builtBalancerReportsNameAndSelector() {
    LoadBalancer lb = builder(Selectors.roundRobin()).servers(A, B).build();
    assertThat(lb.name()).isEqualTo("inventory");
    assertThat(lb.selector().name()).isEqualTo("round_robin");
    assertThat(lb.toString()).contains("inventory").contains("round_robin").contains("2/2");
    assertThat(LoadBalancer.builder().selector(Selectors.random()).build().name())
        .isEqualTo("lbkit");
  }

  // ---- membership ----

  @Test
  void serversKeepInsertionOrderThroughChanges() {
    LoadBalancer lb = builder(Selectors.random()).servers(C, A).build();
    lb.addServer(D);
    lb.addServer(B);
    assertThat(ids(lb)).containsExactly("c:80", "a:80", "d:80", "b:80");

    lb.updateServer(A.withWeight(7));
    lb.setHealth("c:80", HealthState.UNHEALTHY);
    lb.removeServer("d:80");
    assertThat(ids(lb)).containsExactly("c:80", "a:80", "b:80");
    assertThat(lb.server("a:80")).contains(A.withWeight(7));

    lb.setServers(List.of(B, D, A));
    assertThat(ids(lb)).containsExactly("b:80", "d:80", "a:80");
  }

  @Test
  void serverAndHealthLookups() {
    LoadBalancer lb = builder(Selectors.random()).servers(A, B).build();
    assertThat(lb.server("a:80")).contains(A);
    assertThat(lb.server("zzz")).isEmpty();
    assertThat(lb.health("a:80")).contains(HealthState.HEALTHY);
    assertThat(lb.health("zzz")).isEmpty();
    lb.drain("a:80");
    assertThat(lb.health("a:80")).contains(HealthState.DRAINING);
    lb.setHealth("b:80", HealthState.UNHEALTHY);
    assertThat(lb.health("b:80")).contains(HealthState.UNHEALTHY);
    assertThat(lb.eligibleEndpoints()).isEmpty();
    assertThat(lb.servers()).containsExactly(A, B);
  }

  @Test
  void duplicateAddFailsNamingTheIdAndChangesNothing() {
    LoadBalancer lb = builder(Selectors.random()).servers(A, B).build();
    ImmutableList<Server> before = lb.servers();
    ImmutableList<Endpoint> eligibleBefore = lb.eligibleEndpoints();

    Server clash = Server.builder("other", 1).id("b:80").weight(9).build();
    assertThatThrownBy(() -> lb.addServer(clash))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'b:80'");

    assertThat(lb.servers()).isEqualTo(before);
    assertThat(lb.eligibleEndpoints()).isSameAs(eligibleBefore);
  }

  @Test
  void unknownIdUpdatesFailNamingTheIdAndChangeNothing() {
    LoadBalancer lb = builder(Selectors.random()).servers(A, B).build();
    ImmutableList<Server> before = lb.servers();

    assertThatThrownBy(() -> lb.updateServer(C))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'c:80'")
        .hasMessageContaining("inventory");
    assertThatThrownBy(() -> lb.setHealth("c:80", HealthState.UNHEALTHY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'c:80'");
    assertThatThrownBy(() -> lb.drain("c:80"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'c:80'");

    assertThat(lb.servers()).isEqualTo(before);
    assertThat(lb.removeServer("c:80")).isFalse();
    assertThat(lb.servers()).isEqualTo(before);
  }

  @Test
  void setServersRejectsEmptyAndDuplicateListsAndChangesNothing() {
    LoadBalancer lb = builder(Selectors.random()).servers(A, B).build();
    ImmutableList<Server> before = lb.servers();

    assertThatThrownBy(() -> lb.setServers(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> lb.setServers(List.of(C, D, C.withWeight(2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'c:80'");

    assertThat(lb.servers()).isEqualTo(before);
  }

  @Test
  void setServersKeepsStatsOfSurvivingIdsAndDropsRemovedOnes() {
    LoadBalancer lb = builder(Selectors.leastConnections()).servers(A).build();
    Pick held = lb.pick();
    assertThat(held.server()).isEqualTo(A);
    assertThat(endpoint(lb, "a:80").inFlight()).isEqualTo(1);

    // A survives with a new weight, B is new.
    lb.setServers(List.of(A.withWeight(5), B));
    assertThat(endpoint(lb, "a:80").inFlight()).isEqualTo(1);
    assertThat(endpoint(lb, "a:80").weight()).isEqualTo(5.0);
    assertThat(endpoint(lb, "b:80").inFlight()).isZero();

    // A is dropped, then comes back: it starts from scratch.
    lb.setServers(List.of(B));
    lb.setServers(List.of(B, A));
    assertThat(endpoint(lb, "a:80").inFlight()).isZero();
    // The old pick still completes without disturbing the new A.
    assertThat(held.complete(Outcome.SUCCESS)).isTrue();
    assertThat(endpoint(lb, "a:80").inFlight()).isZero();
  }

  @Test
  void updateServerKeepsInFlightAndHealth() {
    LoadBalancer lb = builder(Selectors.leastConnections()).servers(A, B).build();
    lb.setHealth("b:80", HealthState.UNHEALTHY);
    Pick held = lb.pick();
    assertThat(held.server()).isEqualTo(A);

    lb.updateServer(A.withWeight(3));
    lb.updateServer(B.withWeight(2));

    Endpoint a = endpoint(lb, "a:80");
    assertThat(a.inFlight()).isEqualTo(1);
    assertThat(a.weight()).isEqualTo(3.0);
    assertThat(a.server()).isEqualTo(A.withWeight(3));
    assertThat(lb.health("b:80")).contains(HealthState.UNHEALTHY);
    assertThat(lb.server("b:80")).contains(B.withWeight(2));

    held.success();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void removeThenAddStartsFromScratch() {
    LoadBalancer lb = builder(Selectors.leastConnections()).servers(A, B).build();
    lb.setHealth("b:80", HealthState.UNHEALTHY);
    Pick held = lb.pick();
    assertThat(held.server()).isEqualTo(A);

    assertThat(lb.removeServer("a:80")).isTrue();
    lb.addServer(A);
    lb.setHealth("b:80", HealthState.HEALTHY);

    assertThat(endpoint(lb, "a:80").inFlight()).isZero();
    assertThat(lb.health("a:80")).contains(HealthState.HEALTHY);
    held.close();
    assertThat(endpoint(lb, "a:80").inFlight()).isZero();
  }

  // ---- no server available ----

  @Test
  void pickWithoutServersSaysSo() {
    LoadBalancer lb = builder(Selectors.random()).build();
    assertThatThrownBy(lb::pick)
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e -> assertThat(e.reason()).isEqualTo(NoAvailableServerException.Reason.NO_SERVERS))
        .hasMessageContaining("inventory")
        .hasMessageContaining("no servers");

    lb.addServer(A);
    assertThat(lb.pick().server()).isEqualTo(A);

    lb.clear();
    assertThat(lb.servers()).isEmpty();
    assertThatThrownBy(lb::pick)
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e -> assertThat(e.reason()).isEqualTo(NoAvailableServerException.Reason.NO_SERVERS));
  }

  @Test
  void pickWhenAllUnhealthySaysSo() {
    LoadBalancer lb = builder(Selectors.random()).servers(A, B).build();
    lb.setHealth("a:80", HealthState.UNHEALTHY);
    lb.setHealth("b:80", HealthState.UNHEALTHY);
    assertThatThrownBy(lb::pick)
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e -> assertThat(e.reason()).isEqualTo(NoAvailableServerException.Reason.ALL_UNHEALTHY))
        .hasMessageContaining("inventory")
        .hasMessageContaining("all 2 servers")
        .hasMessageContaining("2 unhealthy");

    lb.setHealth("b:80", HealthState.HEALTHY);
    assertThat(lb.pick().server()).isEqualTo(B);
  }

  @Test
  void pickWhenAllDrainingSaysSo() {
    LoadBalancer lb = builder(Selectors.random()).servers(A, B, C).build();
    lb.drain("a:80");
    lb.drain("b:80");
    lb.drain("c:80");
    assertThatThrownBy(lb::pick)
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e -> assertThat(e.reason()).isEqualTo(NoAvailableServerException.Reason.ALL_DRAINING))
        .hasMessageContaining("all 3 servers")
        .hasMessageContaining("3 draining");
  }

  @Test
  void pickWhenSomeUnhealthyAndSomeDrainingSaysSo() {
    LoadBalancer lb = builder(Selectors.random()).servers(A, B, C).build();
    lb.setHealth("a:80", HealthState.UNHEALTHY);
    lb.setHealth("b:80", HealthState.UNHEALTHY);
    lb.drain("c:80");
    assertThatThrownBy(lb::pick)
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(NoAvailableServerException.Reason.ALL_UNHEALTHY_OR_DRAINING))
        .hasMessageContaining("all 3 servers")
        .hasMessageContaining("2 unhealthy")
        .hasMessageContaining("1 draining");
  }

  @Test
  void noAvailableServerExceptionIsCheap() {
    LoadBalancer lb = builder(Selectors.random()).build();
    assertThatThrownBy(lb::pick).satisfies(e -> assertThat(e.getStackTrace()).isEmpty());
  }

  // ---- health and draining ----

  @Test
  void unhealthyAndDrainingServersGetNoPicks() {
    LoadBalancer lb = builder(Selectors.random()).servers(A, B, C).build();
    lb.setHealth("a:80", HealthState.UNHEALTHY);
    lb.drain("b:80");
    for (int i = 0; i < 300; i++) {
      assertThat(lb.pick().server()).isEqualTo(C);
    }
    assertThat(lb.eligibleEndpoints()).extracting(Endpoint::server).containsExactly(C);

    lb.setHealth("a:80", HealthState.HEALTHY);
    Set<Server> seen = new HashSet<>();
    for (int i = 0; i < 300; i++) {
      seen.add(lb.pick().server());
    }
    assertThat(seen).containsExactlyInAnyOrder(A, C);
  }

  @Test
  void drainedServerFinishesItsOutstandingPick() {
    LoadBalancer lb = builder(Selectors.leastConnections()).servers(A, B).build();
    lb.setHealth("b:80", HealthState.UNHEALTHY);
    Pick outstanding = lb.pick();
    assertThat(outstanding.server()).isEqualTo(A);
    Endpoint a = endpoint(lb, "a:80");
    assertThat(a.inFlight()).isEqualTo(1);

    lb.setHealth("b:80", HealthState.HEALTHY);
    lb.drain("a:80");
    for (int i = 0; i < 100; i++) {
      Pick p = lb.pick();
      assertThat(p.server()).isEqualTo(B);
      p.success();
    }

    // The request already sent to A completes normally and frees its slot.
    assertThat(outstanding.complete(Outcome.SUCCESS)).isTrue();
    assertThat(a.inFlight()).isZero();
    lb.setHealth("a:80", HealthState.HEALTHY);
    assertThat(endpoint(lb, "a:80").inFlight()).isZero();
  }

  @Test
  void removedServerIsNeverPickedAfterRemoveReturns() {
    for (Selector selector :
        List.of(
            Selectors.roundRobin(),
            Selectors.weightedRoundRobin(),
            Selectors.random(),
            Selectors.weightedRandom(),
            Selectors.leastConnections(),
            Selectors.powerOfTwoChoices(),
            Selectors.leastResponseTime())) {
      LoadBalancer lb = builder(selector).servers(A, B, C, D).build();
      for (int i = 0; i < 50; i++) {
        lb.pick().success();
      }
      assertThat(lb.removeServer("b:80")).isTrue();
      assertThat(lb.removeServer("b:80")).isFalse();
      Set<Server> seen = new HashSet<>();
      for (int i = 0; i < 600; i++) {
        Pick p = lb.pick();
        seen.add(p.server());
        p.success();
      }
      assertThat(seen).as(selector.name()).containsExactlyInAnyOrder(A, C, D);
    }
  }

  @Test
  void addedServerIsPickedAfterAddReturns() {
    LoadBalancer lb = builder(Selectors.roundRobin()).servers(A).build();
    lb.addServer(B);
    Set<Server> seen = new HashSet<>();
    for (int i = 0; i < 2; i++) {
      seen.add(lb.pick().server());
    }
    assertThat(seen).containsExactlyInAnyOrder(A, B);
  }
}
