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

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Draining: {@link LoadBalancer#drain} stops new picks of a server while requests already sent to
 * it complete; {@link LoadBalancer#drainAndRemove} also removes it once nothing is in flight to it.
 * The balancers here have a health feature (outlier detection), so in-flight picks are counted and
 * removals are done by maintenance, which the tests run with {@code maintain()}.
 */
class DrainingTest {
  private static final Server S0 = Server.of("s0", 80);
  private static final String ID = "s0:80";

  private final FakeTicker ticker = FakeTicker.awayFromZero();
  private final List<String> events = new ArrayList<>();
  private final List<Server> removed = new ArrayList<>();

  private final HealthListener listener =
      new HealthListener() {
        @Override
        public void onStateChange(Server server, HealthState from, HealthState to, String why) {
          events.add(server.id() + " " + from + "->" + to);
        }

        @Override
        public void onRemoved(Server server) {
          removed.add(server);
        }
      };

  private LoadBalancer balancer(LoadBalancerBuilder builder) {
    return ticker.build(
        builder
            .selector(Selectors.roundRobin())
            .servers(S0, Server.of("s1", 80), Server.of("s2", 80))
            .listener(listener)
            .outlierDetection(OutlierDetection.defaults()));
  }

  private LoadBalancer balancer() {
    return balancer(LoadBalancer.builder());
  }

  /** Picks until s0 comes up and returns that pick, uncompleted; other picks succeed. */
  private static Pick holdOnS0(LoadBalancer lb) {
    for (int i = 0; i < 100; i++) {
      Pick p = lb.pick();
      if (p.server().id().equals(ID)) {
        return p;
      }
      p.success();
    }
    throw new AssertionError("s0 never picked");
  }

  private static Map<String, Integer> countPicks(LoadBalancer lb, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      try (Pick p = lb.pick()) {
        counts.merge(p.server().id(), 1, Integer::sum);
        p.success();
      }
    }
    return counts;
  }

  private static int inFlight(LoadBalancer lb) {
    return lb.status(ID).orElseThrow().inFlight();
  }

  @Test
  void drainStopsNewPicksWhileInFlightOnesComplete() {
    LoadBalancer lb = balancer();
    Pick held = holdOnS0(lb);
    lb.drain(ID);
    assertThat(lb.health(ID)).contains(HealthState.DRAINING);
    assertThat(lb.status(ID).orElseThrow().applicationState()).isEqualTo(HealthState.DRAINING);
    assertThat(lb.eligibleEndpoints()).extracting(e -> e.server().id()).doesNotContain(ID);
    assertThat(countPicks(lb, 300)).doesNotContainKey(ID).containsValues(150, 150);

    // The request already sent completes normally, and draining alone never removes the server.
    assertThat(inFlight(lb)).isEqualTo(1);
    assertThat(held.complete(Outcome.SUCCESS)).isTrue();
    assertThat(inFlight(lb)).isZero();
    ticker.advanceAndMaintain(lb, Duration.ofMinutes(30));
    assertThat(lb.servers()).contains(S0);
    assertThat(removed).isEmpty();

    // And the application can put it back.
    lb.setHealth(ID, HealthState.HEALTHY);
    assertThat(countPicks(lb, 300)).containsEntry(ID, 100);
    assertThat(events).containsExactly(ID + " HEALTHY->DRAINING", ID + " DRAINING->HEALTHY");
  }

  @Test
  void drainAndRemoveCompletesOnlyAfterTheInFlightPicksComplete() {
    LoadBalancer lb = balancer();
    Pick first = holdOnS0(lb);
    Pick second = holdOnS0(lb);
    assertThat(inFlight(lb)).isEqualTo(2);

    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    assertThat(lb.health(ID)).contains(HealthState.DRAINING);
    assertThat(countPicks(lb, 100)).doesNotContainKey(ID);
    lb.maintain();
    assertThat(removal).isNotDone();

    first.success();
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(1));
    assertThat(removal).isNotDone();
    assertThat(lb.servers()).contains(S0);

    // A failure is as complete as a success. The removal waits for maintenance.
    second.failure();
    assertThat(inFlight(lb)).isZero();
    assertThat(removal).isNotDone();
    assertThat(removed).isEmpty();
    lb.maintain();
    assertThat(removal).isCompletedWithValue(S0);
    assertThat(lb.servers()).doesNotContain(S0).hasSize(2);
    assertThat(lb.health(ID)).isEmpty();
    assertThat(lb.status(ID)).isEmpty();
    assertThat(removed).containsExactly(S0);
    assertThat(events).containsExactly(ID + " HEALTHY->DRAINING");
    assertThat(countPicks(lb, 100)).doesNotContainKey(ID);
  }

  @Test
  void cancelledPicksCountAsCompleted() {
    LoadBalancer lb = balancer();
    Pick held = holdOnS0(lb);
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    lb.maintain();
    assertThat(removal).isNotDone();
    held.close();
    lb.maintain();
    assertThat(removal).isCompletedWithValue(S0);
  }

  @Test
  void idleServerIsRemovedAtTheNextMaintenance() {
    LoadBalancer lb = balancer();
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    // Maintenance does the removal, so it is pending until maintenance runs, even when nothing is
    // in flight (picks that start now already avoid the server).
    assertThat(removal).isNotDone();
    assertThat(countPicks(lb, 100)).doesNotContainKey(ID);
    lb.maintain();
    assertThat(removal).isCompletedWithValue(S0);
    assertThat(removed).containsExactly(S0);
  }

  @Test
  void secondDrainAndRemoveReturnsTheSamePendingFuture() {
    LoadBalancer lb = balancer();
    Pick held = holdOnS0(lb);
    CompletableFuture<Server> first = lb.drainAndRemove(ID);
    CompletableFuture<Server> second = lb.drainAndRemove(ID);
    assertThat(second).isSameAs(first);
    // drain() on a server being removed does not cancel the removal.
    lb.drain(ID);
    assertThat(lb.drainAndRemove(ID)).isSameAs(first);

    held.success();
    lb.maintain();
    assertThat(first).isCompletedWithValue(S0);
    assertThat(removed).containsExactly(S0);
    assertThatThrownBy(() -> lb.drainAndRemove(ID))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(ID);
  }

  @Test
  void abandonedPickStopsHoldingTheRemovalAfterTheInFlightExpiry() {
    LoadBalancer lb = balancer(LoadBalancer.builder().inFlightExpiry(Duration.ofMinutes(1)));
    Pick abandoned = holdOnS0(lb);
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(50));
    assertThat(removal).isNotDone();
    // A pick never completed counts for at most twice the expiry.
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(70));
    assertThat(removal).isCompletedWithValue(S0);
    assertThat(abandoned.isCompleted()).isFalse();
    // Completing it late is harmless.
    assertThat(abandoned.complete(Outcome.SUCCESS)).isTrue();
  }

  @Test
  void removingTheServerOtherwiseCompletesThePendingRemoval() {
    LoadBalancer lb = balancer();
    Pick held = holdOnS0(lb);
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    assertThat(lb.removeServer(ID)).isTrue();
    assertThat(removal).isCompletedWithValue(S0);
    assertThat(removed).containsExactly(S0);
    held.success();
  }

  @Test
  void setServersWithoutTheServerCompletesThePendingRemoval() {
    LoadBalancer lb = balancer();
    Pick held = holdOnS0(lb);
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    lb.setServers(List.of(Server.of("s1", 80), Server.of("s2", 80)));
    assertThat(removal).isCompletedWithValue(S0);
    held.success();
  }

  @Test
  void closeCompletesAPendingRemovalWithoutRemovingTheServer() {
    LoadBalancer lb = balancer();
    Pick held = holdOnS0(lb);
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    lb.close();
    assertThat(removal).isCompletedExceptionally().isCancelled();
    // The cancellation itself, as the future holds it: join() on newer JDKs throws a fresh
    // CancellationException with the message "join" instead.
    assertThat(removal.handle((server, e) -> e).join())
        .isInstanceOf(CancellationException.class)
        .hasMessageContaining("closed before " + ID);
    assertThat(lb.servers()).contains(S0);
    assertThat(removed).isEmpty();
    held.success();
  }

  @Test
  void closeCompletesAPendingRemovalOfABalancerWithItsOwnScheduler() {
    // Real time, the balancer's own scheduler thread: nothing left for a test to drive.
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(S0, Server.of("s1", 80))
            .outlierDetection(OutlierDetection.defaults())
            .build();
    Pick held = holdOnS0(lb);
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    lb.close();
    assertThat(removal).isCancelled();
    held.success();
  }

  @Test
  void settingTheServerHealthyCancelsThePendingRemoval() {
    LoadBalancer lb = balancer();
    Pick held = holdOnS0(lb);
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    lb.setHealth(ID, HealthState.HEALTHY);
    assertThat(removal).isCancelled();
    assertThat(removal.handle((server, e) -> e).join())
        .isInstanceOf(CancellationException.class)
        .hasMessageContaining("removal of " + ID + " cancelled")
        .hasMessageContaining("HEALTHY");

    // The server takes traffic again and is not removed once it is idle.
    assertThat(countPicks(lb, 300)).containsEntry(ID, 100);
    held.success();
    ticker.advanceAndMaintain(lb, Duration.ofMinutes(1));
    assertThat(lb.servers()).contains(S0);
    assertThat(removed).isEmpty();
    assertThat(events).containsExactly(ID + " HEALTHY->DRAINING", ID + " DRAINING->HEALTHY");

    // A new drainAndRemove is a new removal, which completes as usual.
    CompletableFuture<Server> again = lb.drainAndRemove(ID);
    assertThat(again).isNotSameAs(removal);
    lb.maintain();
    assertThat(again).isCompletedWithValue(S0);
  }

  @Test
  void settingTheServerUnhealthyCancelsThePendingRemovalToo() {
    LoadBalancer lb = balancer();
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    lb.setHealth(ID, HealthState.UNHEALTHY);
    assertThat(removal).isCancelled();
    lb.maintain();
    assertThat(lb.health(ID)).contains(HealthState.UNHEALTHY);
    assertThat(removed).isEmpty();
  }

  @Test
  void cancellingTheFutureKeepsTheServerDrainingButInTheBalancer() {
    LoadBalancer lb = balancer();
    CompletableFuture<Server> removal = lb.drainAndRemove(ID);
    assertThat(removal.cancel(false)).isTrue();
    ticker.advanceAndMaintain(lb, Duration.ofMinutes(1));
    assertThat(lb.servers()).contains(S0);
    assertThat(lb.health(ID)).contains(HealthState.DRAINING);
    assertThat(removed).isEmpty();
    assertThat(countPicks(lb, 100)).doesNotContainKey(ID);
    // And a later drainAndRemove removes it.
    CompletableFuture<Server> again = lb.drainAndRemove(ID);
    lb.maintain();
    assertThat(again).isCompletedWithValue(S0);
  }

  @Test
  void unknownIdsAndClosedBalancersAreRejected() {
    LoadBalancer lb = balancer();
    assertThatThrownBy(() -> lb.drain("nope:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope:1");
    assertThatThrownBy(() -> lb.drainAndRemove("nope:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope:1");
    lb.close();
    assertThatThrownBy(() -> lb.drainAndRemove(ID))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void allDrainingSaysSo() {
    LoadBalancer lb = balancer();
    lb.drain("s0:80");
    lb.drain("s1:80");
    lb.drain("s2:80");
    assertThatThrownBy(lb::pick)
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e -> assertThat(e.reason()).isEqualTo(NoAvailableServerException.Reason.ALL_DRAINING));
    // Draining servers are not considered for panic mode either.
    assertThat(lb.isPanicMode()).isFalse();
  }
}
