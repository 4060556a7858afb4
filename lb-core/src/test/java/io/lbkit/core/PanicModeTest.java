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
import org.junit.jupiter.api.Test;

/**
 * Panic mode ({@link LoadBalancerBuilder#panicThreshold}): when too few of the servers the
 * application has not taken out are eligible, picks spread over all of them instead of crushing the
 * few healthy ones.
 */
class PanicModeTest {
  private static final Duration BASE = Duration.ofSeconds(30);

  private final FakeTicker ticker = FakeTicker.awayFromZero();
  private final List<String> panicEvents = new ArrayList<>();

  private final HealthListener listener =
      new HealthListener() {
        @Override
        public void onPanicModeChange(boolean active, int eligible, int considered) {
          panicEvents.add(active + " " + eligible + "/" + considered);
        }
      };

  private static List<Server> servers(int n) {
    List<Server> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Server.of("s" + i, 80));
    }
    return out;
  }

  private static String id(int i) {
    return "s" + i + ":80";
  }

  private LoadBalancer balancer(int n, LoadBalancerBuilder builder) {
    return ticker.build(
        builder
            .selector(Selectors.roundRobin())
            .servers(servers(n))
            .listener(listener)
            .outlierDetection(
                OutlierDetection.builder()
                    .consecutiveFailures(5)
                    .disableSuccessRate()
                    .baseEjectionTime(BASE)
                    .jitter(0)
                    .maxEjectionPercent(100)
                    .build()));
  }

  private LoadBalancer balancer(int n) {
    return balancer(n, LoadBalancer.builder());
  }

  /** Ejects a server: five failures reported on its picks, the other picks succeed. */
  private static void eject(LoadBalancer lb, String id) {
    int failures = 0;
    for (int i = 0; failures < 5; i++) {
      if (i > 10_000) {
        throw new AssertionError(id + " was never picked: " + lb.status());
      }
      Pick p = lb.pick();
      if (p.server().id().equals(id)) {
        p.failure();
        failures++;
      } else {
        p.success();
      }
    }
    assertThat(lb.health(id)).contains(HealthState.EJECTED);
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

  @Test
  void entersPanicBelowTheThresholdAndSpreadsOverAllServers() {
    LoadBalancer lb = balancer(4);
    eject(lb, id(0));
    eject(lb, id(1));
    // 2 of 4 eligible is 50 %: not below the default threshold of 50 %.
    assertThat(lb.isPanicMode()).isFalse();
    assertThat(countPicks(lb, 400)).containsOnlyKeys(id(2), id(3));

    eject(lb, id(2));
    // 1 of 4 is below: picks go to all four, ejected ones included, evenly.
    assertThat(lb.isPanicMode()).isTrue();
    assertThat(lb.eligibleEndpoints()).hasSize(4);
    assertThat(countPicks(lb, 400))
        .containsEntry(id(0), 100)
        .containsEntry(id(1), 100)
        .containsEntry(id(2), 100)
        .containsEntry(id(3), 100);
    // The ejections themselves stand: panic mode changes only where picks go.
    assertThat(lb.health(id(0))).contains(HealthState.EJECTED);
    assertThat(panicEvents).containsExactly("true 1/4");
  }

  @Test
  void leavesPanicWhenEnoughServersRecover() {
    LoadBalancer lb = balancer(4);
    eject(lb, id(0));
    eject(lb, id(1));
    ticker.advance(Duration.ofSeconds(10));
    eject(lb, id(2));
    assertThat(lb.isPanicMode()).isTrue();

    // Other changes while in panic do not report panic again.
    lb.updateServer(Server.builder("s3", 80).weight(2).build());
    lb.maintain();
    assertThat(panicEvents).containsExactly("true 1/4");

    // s0 and s1 come back after 30 s (s2, ejected 10 s later, is still out): 3 of 4.
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(20));
    assertThat(lb.isPanicMode()).isFalse();
    assertThat(lb.eligibleEndpoints()).extracting(e -> e.server().id()).doesNotContain(id(2));
    assertThat(countPicks(lb, 300)).doesNotContainKey(id(2));
    assertThat(panicEvents).containsExactly("true 1/4", "false 3/4");

    ticker.advanceAndMaintain(lb, Duration.ofSeconds(10));
    assertThat(panicEvents).containsExactly("true 1/4", "false 3/4");
  }

  @Test
  void applicationExcludedServersAreNotConsideredEjectedOnesAre() {
    LoadBalancer lb = balancer(6);
    lb.setHealth(id(4), HealthState.UNHEALTHY);
    lb.drain(id(5));
    eject(lb, id(0));
    eject(lb, id(1));
    // Considered: s0..s3 (the ejected ones count, the application's exclusions do not); 2 of 4
    // are eligible, which is not below 50 %. Counting s4 and s5 would make it 2 of 6: panic.
    assertThat(lb.isPanicMode()).isFalse();
    assertThat(panicEvents).isEmpty();

    eject(lb, id(2));
    assertThat(lb.isPanicMode()).isTrue();
    assertThat(panicEvents).containsExactly("true 1/4");
    // Panic spreads over the considered servers only: never the unhealthy or draining ones.
    assertThat(countPicks(lb, 400))
        .containsOnlyKeys(id(0), id(1), id(2), id(3))
        .containsValues(100, 100, 100, 100);
  }

  @Test
  void thresholdIsConfigurable() {
    // At 80 %, 3 of 4 eligible (75 %) is already panic.
    LoadBalancer lb = balancer(4, LoadBalancer.builder().panicThreshold(80));
    eject(lb, id(0));
    assertThat(lb.isPanicMode()).isTrue();
    assertThat(panicEvents).containsExactly("true 3/4");
    assertThat(countPicks(lb, 400)).hasSize(4);
  }

  @Test
  void thresholdHundredPanicsOnAnyIneligibleServer() {
    LoadBalancer lb = balancer(4, LoadBalancer.builder().panicThreshold(100));
    assertThat(lb.isPanicMode()).isFalse();
    eject(lb, id(0));
    assertThat(lb.isPanicMode()).isTrue();
  }

  @Test
  void thresholdZeroDisablesPanic() {
    LoadBalancer lb = balancer(3, LoadBalancer.builder().panicThreshold(0));
    eject(lb, id(0));
    eject(lb, id(1));
    assertThat(lb.isPanicMode()).isFalse();
    assertThat(countPicks(lb, 100)).containsOnlyKeys(id(2));
    eject(lb, id(2));
    assertThat(lb.isPanicMode()).isFalse();
    assertThat(lb.eligibleEndpoints()).isEmpty();
    assertThatThrownBy(lb::pick)
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            e -> assertThat(e.reason()).isEqualTo(NoAvailableServerException.Reason.ALL_UNHEALTHY))
        .hasMessageContaining("3 ejected");
    assertThat(panicEvents).isEmpty();
  }

  @Test
  void withTheDefaultThresholdAllEjectedStillServes() {
    LoadBalancer lb = balancer(3);
    eject(lb, id(0));
    eject(lb, id(1));
    assertThat(lb.isPanicMode()).isTrue();
    // In panic mode every server is picked, so the last one's failures land too.
    eject(lb, id(2));
    assertThat(lb.isPanicMode()).isTrue();
    assertThat(countPicks(lb, 300)).containsValues(100, 100, 100);
    assertThat(panicEvents).containsExactly("true 1/3");
  }

  @Test
  void applicationExclusionsAloneNeverPanic() {
    // Servers the application took out are not considered: with one left, it gets everything.
    LoadBalancer lb = balancer(4);
    lb.setHealth(id(0), HealthState.UNHEALTHY);
    lb.setHealth(id(1), HealthState.UNHEALTHY);
    lb.drain(id(2));
    assertThat(lb.isPanicMode()).isFalse();
    assertThat(countPicks(lb, 100)).containsOnlyKeys(id(3));
    assertThat(panicEvents).isEmpty();
  }
}
