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
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Health transitions as the application sees them: what {@link HealthListener}s hear (each
 * transition once, with a reason naming its cause), what {@link ServerStatus} shows for each cause
 * separately, and that a failing listener cannot hurt the balancer. Nothing here reads logs.
 */
class HealthTransitionsTest {
  private static final Duration BASE = Duration.ofSeconds(30);
  private static final Duration WINDOW = Duration.ofSeconds(60);
  private static final String S0 = "s0:80";

  private final FakeTicker ticker = FakeTicker.awayFromZero();

  /** Every callback, in order, as text. */
  private final List<String> heard = new CopyOnWriteArrayList<>();

  /** The reasons of the state changes, by "id from->to". */
  private final Map<String, String> reasons = new HashMap<>();

  private final HealthListener accounting =
      new HealthListener() {
        @Override
        public void onStateChange(Server server, HealthState from, HealthState to, String reason) {
          String key = server.id() + " " + from + "->" + to;
          heard.add(key);
          reasons.put(key, reason);
        }

        @Override
        public void onPanicModeChange(boolean active, int eligible, int considered) {
          heard.add("panic " + active);
        }

        @Override
        public void onRemoved(Server server) {
          heard.add(server.id() + " removed");
        }
      };

  private static List<Server> servers(int n) {
    List<Server> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Server.of("s" + i, 80));
    }
    return out;
  }

  private static OutlierDetection.Builder detection() {
    return OutlierDetection.builder()
        .consecutiveFailures(5)
        .consecutiveConnectFailures(3)
        .disableSuccessRate()
        .baseEjectionTime(BASE)
        .jitter(0)
        .maxEjectionPercent(100);
  }

  private LoadBalancer balancer(int n, LoadBalancerBuilder builder) {
    return ticker.build(
        builder.selector(Selectors.roundRobin()).servers(servers(n)).listener(accounting));
  }

  private LoadBalancer balancer() {
    return balancer(
        4,
        LoadBalancer.builder()
            .outlierDetection(detection().build())
            .slowStart(SlowStart.of(WINDOW)));
  }

  private static void report(LoadBalancer lb, String id, Outcome outcome, int times) {
    for (int done = 0, i = 0; done < times; i++) {
      if (i > 10_000) {
        throw new AssertionError(id + " never picked");
      }
      Pick p = lb.pick();
      if (p.server().id().equals(id)) {
        p.complete(outcome);
        done++;
      } else {
        p.success();
      }
    }
  }

  private static ServerStatus status(LoadBalancer lb, String id) {
    return lb.status(id).orElseThrow();
  }

  @Test
  void ejectionThenWarmUpThenHealthyIsReportedOnceEachWithReasons() {
    LoadBalancer lb = balancer();
    report(lb, S0, Outcome.FAILURE, 5);
    assertThat(heard).containsExactly(S0 + " HEALTHY->EJECTED");
    assertThat(reasons.get(S0 + " HEALTHY->EJECTED"))
        .contains("5 consecutive failures")
        .contains("ejected for 30000 ms")
        .contains("ejection #1");

    // Maintenance while still ejected reports nothing.
    for (int i = 0; i < 29; i++) {
      ticker.advanceAndMaintain(lb, Duration.ofSeconds(1));
    }
    assertThat(heard).hasSize(1);

    ticker.advanceAndMaintain(lb, Duration.ofSeconds(1));
    assertThat(heard).containsExactly(S0 + " HEALTHY->EJECTED", S0 + " EJECTED->WARMING");
    assertThat(reasons.get(S0 + " EJECTED->WARMING")).contains("ejection over").contains("warming");

    // The ramp advances on every run without reporting; its end is one transition.
    for (int i = 0; i < 59; i++) {
      ticker.advanceAndMaintain(lb, Duration.ofSeconds(1));
    }
    assertThat(heard).hasSize(2);
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(1));
    assertThat(heard)
        .containsExactly(
            S0 + " HEALTHY->EJECTED", S0 + " EJECTED->WARMING", S0 + " WARMING->HEALTHY");
    assertThat(reasons.get(S0 + " WARMING->HEALTHY")).contains("warm-up complete");
    ticker.advanceAndMaintain(lb, Duration.ofMinutes(5));
    assertThat(heard).hasSize(3);
  }

  @Test
  void statusShowsEachStageOfTheCycle() {
    LoadBalancer lb = balancer();
    ServerStatus fresh = status(lb, S0);
    assertThat(fresh.state()).isEqualTo(HealthState.HEALTHY);
    assertThat(fresh.isEligible()).isTrue();
    assertThat(fresh.applicationState()).isEqualTo(HealthState.HEALTHY);
    assertThat(fresh.isActiveCheckFailing()).isFalse();
    assertThat(fresh.isEjected()).isFalse();
    assertThat(fresh.ejectionRemaining()).isEmpty();
    assertThat(fresh.recentEjections()).isZero();
    assertThat(fresh.weightFactor()).isEqualTo(1.0);

    report(lb, S0, Outcome.FAILURE, 5);
    ticker.advance(Duration.ofSeconds(10));
    ServerStatus ejected = status(lb, S0);
    assertThat(ejected.state()).isEqualTo(HealthState.EJECTED);
    assertThat(ejected.isEligible()).isFalse();
    assertThat(ejected.applicationState()).isEqualTo(HealthState.HEALTHY);
    assertThat(ejected.isEjected()).isTrue();
    assertThat(ejected.ejectionRemaining()).contains(Duration.ofSeconds(20));
    assertThat(ejected.recentEjections()).isEqualTo(1);
    assertThat(ejected.weightFactor()).isEqualTo(1.0);
    assertThat(ejected.reason()).contains("5 consecutive failures");
    assertThat(ejected.toString()).contains(S0).contains("EJECTED");

    ticker.advanceAndMaintain(lb, Duration.ofSeconds(20));
    ServerStatus warming = status(lb, S0);
    assertThat(warming.state()).isEqualTo(HealthState.WARMING);
    assertThat(warming.isEligible()).isTrue();
    assertThat(warming.isEjected()).isFalse();
    assertThat(warming.ejectionRemaining()).isEmpty();
    assertThat(warming.recentEjections()).isEqualTo(1);
    assertThat(warming.weightFactor()).isEqualTo(0.1);

    ticker.advanceAndMaintain(lb, WINDOW.dividedBy(2));
    assertThat(status(lb, S0).weightFactor()).isCloseTo(0.5, within(1e-9));
    assertThat(status(lb, S0).state()).isEqualTo(HealthState.WARMING);

    ticker.advanceAndMaintain(lb, WINDOW.dividedBy(2));
    ServerStatus healthy = status(lb, S0);
    assertThat(healthy.state()).isEqualTo(HealthState.HEALTHY);
    assertThat(healthy.weightFactor()).isEqualTo(1.0);
  }

  @Test
  void statusKeepsTheCausesApartWhenSeveralApply() {
    LoadBalancer lb = balancer();
    report(lb, S0, Outcome.FAILURE, 5);

    // The application marks the ejected server unhealthy: the stronger cause shows, the ejection
    // stays underneath with its own clock.
    lb.setHealth(S0, HealthState.UNHEALTHY);
    ServerStatus both = status(lb, S0);
    assertThat(both.state()).isEqualTo(HealthState.UNHEALTHY);
    assertThat(both.applicationState()).isEqualTo(HealthState.UNHEALTHY);
    assertThat(both.isEjected()).isTrue();
    assertThat(both.ejectionRemaining()).contains(BASE);
    assertThat(both.reason()).contains("UNHEALTHY").contains("application");

    // Setting it healthy again does not end the ejection.
    lb.setHealth(S0, HealthState.HEALTHY);
    assertThat(status(lb, S0).state()).isEqualTo(HealthState.EJECTED);

    // Draining while ejected: the ejection ends underneath, the state stays DRAINING.
    lb.drain(S0);
    ticker.advanceAndMaintain(lb, BASE);
    ServerStatus drained = status(lb, S0);
    assertThat(drained.state()).isEqualTo(HealthState.DRAINING);
    assertThat(drained.isEjected()).isFalse();
    assertThat(drained.ejectionRemaining()).isEmpty();

    // Back in service, it resumes the warm-up that began when its ejection ended.
    ticker.advance(WINDOW.dividedBy(4));
    lb.setHealth(S0, HealthState.HEALTHY);
    assertThat(status(lb, S0).state()).isEqualTo(HealthState.WARMING);
    assertThat(status(lb, S0).weightFactor()).isCloseTo(0.25, within(1e-9));

    assertThat(heard)
        .containsExactly(
            S0 + " HEALTHY->EJECTED",
            S0 + " EJECTED->UNHEALTHY",
            S0 + " UNHEALTHY->EJECTED",
            S0 + " EJECTED->DRAINING",
            S0 + " DRAINING->WARMING");
  }

  @Test
  void statusShowsLoad() {
    LoadBalancer lb = balancer();
    Pick a = lb.pick();
    Pick b = lb.pick();
    Pick c = lb.pick();
    Pick d = lb.pick();
    for (ServerStatus s : lb.status()) {
      assertThat(s.inFlight()).as(s.server().id()).isEqualTo(1);
    }
    a.success();
    b.success();
    c.success();
    d.success();
    assertThat(lb.status()).allSatisfy(s -> assertThat(s.inFlight()).isZero());
    assertThat(lb.status())
        .extracting(s -> s.server().id())
        .containsExactly("s0:80", "s1:80", "s2:80", "s3:80");
  }

  @Test
  void reasonsNameTheRuleThatEjected() {
    // Consecutive connect failures.
    LoadBalancer lb = balancer();
    report(lb, S0, Outcome.CONNECT_FAILURE, 2);
    report(lb, S0, Outcome.TIMEOUT, 1);
    assertThat(reasons.get(S0 + " HEALTHY->EJECTED"))
        .contains("3 consecutive connect failures or timeouts");

    // Success rate (five servers, one at 50 %).
    reasons.clear();
    LoadBalancer rate =
        balancer(
            5,
            LoadBalancer.builder()
                .outlierDetection(
                    detection()
                        .consecutiveFailures(0)
                        .consecutiveConnectFailures(0)
                        .successRate(1.9, 5, 100)
                        .build()));
    alternate(rate, "s4:80", 200);
    ticker.advanceAndMaintain(rate, Duration.ofMillis(2_500));
    assertThat(reasons.get("s4:80 HEALTHY->EJECTED")).contains("success rate 50.0%");

    // Failure percentage.
    reasons.clear();
    LoadBalancer pct =
        balancer(
            5,
            LoadBalancer.builder()
                .outlierDetection(
                    detection()
                        .consecutiveFailures(0)
                        .consecutiveConnectFailures(0)
                        .failurePercentage(40, 5, 50)
                        .build()));
    alternate(pct, "s4:80", 200);
    ticker.advanceAndMaintain(pct, Duration.ofMillis(2_500));
    assertThat(reasons.get("s4:80 HEALTHY->EJECTED")).contains("50.0% failures");
  }

  /** Sends 5 x perServer requests; the given server fails every second one, the others none. */
  private static void alternate(LoadBalancer lb, String id, int perServer) {
    int k = 0;
    for (int i = 0; i < 5 * perServer; i++) {
      Pick p = lb.pick();
      if (p.server().id().equals(id)) {
        p.complete(k++ % 2 == 0 ? Outcome.FAILURE : Outcome.SUCCESS);
      } else {
        p.success();
      }
    }
  }

  @Test
  void noOpChangesAreNotReported() {
    LoadBalancer lb = balancer();
    lb.setHealth(S0, HealthState.HEALTHY);
    lb.setHealth("s1:80", HealthState.UNHEALTHY);
    lb.setHealth("s1:80", HealthState.UNHEALTHY);
    lb.updateServer(Server.builder("s2", 80).weight(5).build());
    lb.maintain();
    assertThat(heard).containsExactly("s1:80 HEALTHY->UNHEALTHY");
    assertThat(reasons.get("s1:80 HEALTHY->UNHEALTHY"))
        .contains("set UNHEALTHY by the application");
  }

  @Test
  void removalsAreReportedAsRemovalsNotStateChanges() {
    LoadBalancer lb = balancer();
    lb.removeServer("s1:80");
    lb.setServers(List.of(Server.of("s0", 80), Server.of("s2", 80)));
    assertThat(heard).containsExactly("s1:80 removed", "s3:80 removed");
  }

  @Test
  void aListenerThatThrowsDoesNotBreakTheBalancerOrOtherListeners() {
    HealthListener broken =
        new HealthListener() {
          @Override
          public void onStateChange(Server server, HealthState from, HealthState to, String r) {
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onPanicModeChange(boolean active, int eligible, int considered) {
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void onRemoved(Server server) {
            throw new IllegalStateException("listener bug");
          }
        };
    LoadBalancer lb =
        ticker.build(
            LoadBalancer.builder()
                .selector(Selectors.roundRobin())
                .servers(servers(3))
                .listener(broken)
                .listener(accounting)
                .outlierDetection(detection().build()));

    // The ejection happens on the thread reporting the failure: the report itself must not throw.
    report(lb, S0, Outcome.FAILURE, 5);
    assertThat(lb.health(S0)).contains(HealthState.EJECTED);
    report(lb, "s1:80", Outcome.FAILURE, 5);
    assertThat(lb.isPanicMode()).isTrue();

    // Maintenance is not broken either: both come back on time.
    ticker.advanceAndMaintain(lb, BASE);
    assertThat(lb.health(S0)).contains(HealthState.HEALTHY);
    assertThat(lb.isPanicMode()).isFalse();

    lb.removeServer("s2:80");
    assertThat(lb.servers()).hasSize(2);
    for (int i = 0; i < 100; i++) {
      lb.pick().success();
    }
    assertThat(heard)
        .containsExactly(
            S0 + " HEALTHY->EJECTED",
            "s1:80 HEALTHY->EJECTED",
            "panic true",
            S0 + " EJECTED->HEALTHY",
            "s1:80 EJECTED->HEALTHY",
            "panic false",
            "s2:80 removed");
  }

  @Test
  void setHealthRejectsTheStatesOnlyTheBalancerSets() {
    LoadBalancer lb = balancer();
    for (HealthState state : List.of(HealthState.WARMING, HealthState.EJECTED)) {
      assertThatThrownBy(() -> lb.setHealth(S0, state))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(state.name())
          .hasMessageContaining("HEALTHY, UNHEALTHY or DRAINING");
    }
    assertThat(lb.health(S0)).contains(HealthState.HEALTHY);
    assertThat(heard).isEmpty();
  }

  @Test
  void setHealthOfAnUnknownServerNamesIt() {
    LoadBalancer lb = balancer();
    assertThatThrownBy(() -> lb.setHealth("nope:1", HealthState.UNHEALTHY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope:1");
    assertThat(lb.status("nope:1")).isEmpty();
    assertThat(lb.health("nope:1")).isEmpty();
  }

  @Test
  void eligibilityFollowsTheFoldedState() {
    assertThat(HealthState.HEALTHY.isEligible()).isTrue();
    assertThat(HealthState.WARMING.isEligible()).isTrue();
    assertThat(HealthState.EJECTED.isEligible()).isFalse();
    assertThat(HealthState.UNHEALTHY.isEligible()).isFalse();
    assertThat(HealthState.DRAINING.isEligible()).isFalse();
  }
}
