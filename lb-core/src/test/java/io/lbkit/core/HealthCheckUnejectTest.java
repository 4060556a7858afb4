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

import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Outlier ejection and active health checks together, on real time against real HTTP backends on
 * 127.0.0.1: a passing check lifts an ejection (Envoy's {@code
 * successful_active_health_check_uneject_host}), unless outlier detection is told not to.
 */
@Timeout(30)
class HealthCheckUnejectTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);
  private static final Duration CHECK_TIMEOUT = Duration.ofMillis(100);

  /** Far longer than any wait here: only a health check can end the ejection in time. */
  private static final Duration EJECTION = Duration.ofMinutes(10);

  /** A few check intervals, with ample slack for a loaded machine. */
  private static final Duration WAIT = Duration.ofSeconds(5);

  @BeforeAll
  static void warmUp() throws Exception {
    LiveServers.warmUpHttp();
  }

  private static LoadBalancer balancer(String name, boolean uneject, LiveServers.Http... backends) {
    LoadBalancerBuilder b =
        LoadBalancer.builder()
            .name(name)
            .selector(Selectors.roundRobin())
            .healthCheck(
                ActiveHealthCheck.builder(HealthCheckers.http("/health"))
                    .interval(INTERVAL)
                    .timeout(CHECK_TIMEOUT)
                    .jitter(Duration.ofMillis(10))
                    .healthyThreshold(2)
                    .unhealthyThreshold(2)
                    .build())
            .outlierDetection(
                OutlierDetection.builder()
                    .consecutiveFailures(3)
                    .baseEjectionTime(EJECTION)
                    .maxEjectionTime(EJECTION)
                    .maxEjectionPercent(50)
                    .unejectOnPassingHealthCheck(uneject)
                    .build());
    Server[] servers = new Server[backends.length];
    for (int i = 0; i < backends.length; i++) {
      servers[i] = backends[i].server();
    }
    return b.servers(servers).build();
  }

  /** Reports failures on the picks of {@code id} until outlier detection ejects it. */
  private static void ejectByFailures(LoadBalancer lb, String id) {
    for (int i = 0; i < 1000 && !lb.status(id).orElseThrow().isEjected(); i++) {
      Pick p = lb.pick();
      p.complete(p.server().id().equals(id) ? Outcome.FAILURE : Outcome.SUCCESS);
    }
    assertThat(lb.health(id)).contains(HealthState.EJECTED);
  }

  private static String describe(LoadBalancer lb, String id) {
    return id + " to be healthy, was " + lb.status(id).orElseThrow();
  }

  @Test
  void aPassingCheckLiftsTheEjectionLongBeforeItEnds() throws Exception {
    try (LiveServers.Http a = LiveServers.Http.start();
        LiveServers.Http b = LiveServers.Http.start();
        LoadBalancer lb = balancer("uneject", true, a, b)) {
      String id = a.server().id();
      ejectByFailures(lb, id);
      assertThat(lb.status(id).orElseThrow().ejectionRemaining())
          .hasValueSatisfying(left -> assertThat(left).isGreaterThan(Duration.ofMinutes(9)));

      LiveServers.await(
          () -> describe(lb, id), WAIT, () -> lb.health(id).orElseThrow() == HealthState.HEALTHY);
      ServerStatus status = lb.status(id).orElseThrow();
      assertThat(status.isEjected()).isFalse();
      assertThat(status.reason()).contains("health check passed");
      // Its past ejection still counts towards the next ejection's length.
      assertThat(status.recentEjections()).isEqualTo(1);
    }
  }

  @Test
  void aRestartedServerIsBackOnceItsChecksPassAgain() throws Exception {
    // The reported run: a server killed, ejected by the failing traffic, then restarted.
    try (LiveServers.Http a = LiveServers.Http.start();
        LiveServers.Http b = LiveServers.Http.start();
        LoadBalancer lb = balancer("restart", true, a, b)) {
      String id = a.server().id();
      a.stop();
      ejectByFailures(lb, id);
      LiveServers.await(
          () -> id + " to fail its checks, was " + lb.status(id).orElseThrow(),
          WAIT,
          () -> lb.status(id).orElseThrow().isActiveCheckFailing());
      assertThat(lb.status(id).orElseThrow().isEjected()).isTrue();

      a.restart();
      LiveServers.await(
          () -> describe(lb, id), WAIT, () -> lb.health(id).orElseThrow() == HealthState.HEALTHY);
      assertThat(lb.status(id).orElseThrow().isEjected()).isFalse();
    }
  }

  @Test
  void turnedOffTheEjectionOutlastsManyPassingChecks() throws Exception {
    try (LiveServers.Http a = LiveServers.Http.start();
        LiveServers.Http b = LiveServers.Http.start();
        LoadBalancer lb = balancer("keep-ejected", false, a, b)) {
      String id = a.server().id();
      ejectByFailures(lb, id);
      int checked = a.requests().size();
      LiveServers.await("five more passing checks", WAIT, () -> a.requests().size() >= checked + 5);
      assertThat(lb.health(id)).contains(HealthState.EJECTED);
      assertThat(lb.status(id).orElseThrow().isActiveCheckFailing()).isFalse();
    }
  }
}
