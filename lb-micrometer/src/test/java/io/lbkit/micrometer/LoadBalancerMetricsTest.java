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
package io.lbkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.lbkit.core.FakeTicker;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadBalancerBuilder;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.Pick;
import io.lbkit.core.PickContext;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every meter of {@link LoadBalancerMetrics}, read from a real Prometheus scrape after traffic. */
class LoadBalancerMetricsTest {
  private final FakeTicker ticker = FakeTicker.awayFromZero();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<LoadBalancer> balancers = new ArrayList<>();

  @AfterEach
  void close() {
    balancers.forEach(LoadBalancer::close);
    registry.close();
  }

  private LoadBalancer balancer(LoadBalancerMetrics metrics, int servers) {
    LoadBalancerBuilder b =
        LoadBalancer.builder()
            .name("orders-lb")
            .selector(Selectors.roundRobin())
            .ticker(ticker)
            .observer(metrics.observer())
            .outlierDetection(
                OutlierDetection.builder()
                    .consecutiveFailures(5)
                    .disableSuccessRate()
                    .baseEjectionTime(Duration.ofMinutes(1))
                    .jitter(0)
                    .maxEjectionPercent(100)
                    .build());
    if (servers > 0) {
      List<Server> list = new ArrayList<>();
      for (int i = 0; i < servers; i++) {
        list.add(Server.of("10.0.0." + i, 8080));
      }
      b.servers(list);
    }
    LoadBalancer lb = b.build();
    balancers.add(lb);
    return lb;
  }

  private Scrape scrape() {
    return new Scrape(registry.scrape());
  }

  /** Picks the server with this id (round robin comes to it), completing the others' picks. */
  private static Pick pickOf(LoadBalancer lb, String id) {
    for (int i = 0; i < 100; i++) {
      Pick p = lb.pick();
      if (p.server().id().equals(id)) {
        return p;
      }
      p.complete(Outcome.CANCELLED);
    }
    throw new AssertionError(id + " never picked: " + lb.status());
  }

  @Test
  void scrapeShowsRequestsEjectionsHealthPanicAndDiscards() {
    LoadBalancerMetrics metrics = LoadBalancerMetrics.builder().serviceId("orders").build();
    LoadBalancer lb = balancer(metrics, 3);
    metrics.bindTo(registry);
    String[] service = {"serviceId", "orders"};

    // Successes of 5 ms each, measured on the balancer's clock. Round robin does not time picks
    // by itself: with an observer the balancer does.
    for (int i = 0; i < 6; i++) {
      Pick p = lb.pick();
      ticker.advance(Duration.ofMillis(5));
      p.success();
    }
    // Two requests in flight.
    Pick open1 = lb.pick();
    Pick open2 = lb.pick();
    Scrape s = scrape();
    assertThat(s.value("loadbalancer_requests_success_seconds_count", service)).isEqualTo(6);
    assertThat(s.value("loadbalancer_requests_success_seconds_sum", service))
        .isCloseTo(0.030, within(1e-9));
    assertThat(s.value("loadbalancer_requests_active", service)).isEqualTo(2);
    open1.close();
    open2.close();

    // Eject two of three servers: five failures each (one a timeout), 2 ms each; panic follows.
    for (String id : List.of("10.0.0.0:8080", "10.0.0.1:8080")) {
      for (int f = 0; f < 5; f++) {
        Pick p = pickOf(lb, id);
        ticker.advance(Duration.ofMillis(2));
        p.complete(f == 0 ? Outcome.TIMEOUT : Outcome.FAILURE);
      }
      assertThat(lb.health(id)).contains(HealthState.EJECTED);
    }
    assertThat(lb.isPanicMode()).isTrue();

    // Picks that find no server: every server excluded, then no server at all.
    PickContext excludeAll =
        PickContext.builder()
            .exclude("10.0.0.0:8080")
            .exclude("10.0.0.1:8080")
            .exclude("10.0.0.2:8080")
            .build();
    assertThatThrownBy(() -> lb.pick(excludeAll)).isInstanceOf(NoAvailableServerException.class);
    assertThatThrownBy(() -> lb.pickEndpoint(lb.pickStart(), excludeAll))
        .isInstanceOf(NoAvailableServerException.class);

    s = scrape();
    assertThat(s.value("loadbalancer_requests_active", service)).isZero();
    assertThat(s.value("loadbalancer_requests_failed_seconds_count", "outcome", "TIMEOUT"))
        .isEqualTo(2);
    assertThat(s.value("loadbalancer_requests_failed_seconds_count", "outcome", "FAILURE"))
        .isEqualTo(8);
    assertThat(s.value("loadbalancer_requests_failed_seconds_sum", "outcome", "FAILURE"))
        .isCloseTo(0.016, within(1e-9));
    assertThat(s.value("loadbalancer_requests_failed_seconds_count", "outcome", "CONNECT_FAILURE"))
        .isZero();
    double cancelled = s.value("loadbalancer_requests_cancelled_total", service);
    assertThat(cancelled).isGreaterThanOrEqualTo(2); // the two open picks, and pickOf's others
    assertThat(s.value("loadbalancer_ejections_total", service)).isEqualTo(2);
    assertThat(s.value("loadbalancer_servers", "state", "EJECTED")).isEqualTo(2);
    assertThat(s.value("loadbalancer_servers", "state", "HEALTHY")).isEqualTo(1);
    assertThat(s.value("loadbalancer_servers", "state", "UNHEALTHY")).isZero();
    assertThat(s.value("loadbalancer_panic_mode", service)).isEqualTo(1);
    assertThat(s.value("loadbalancer_requests_discard_total", "reason", "ALL_EXCLUDED"))
        .isEqualTo(2);

    lb.clear();
    assertThatThrownBy(lb::pick).isInstanceOf(NoAvailableServerException.class);
    assertThatThrownBy(() -> lb.pickEndpoint(lb.pickStart()))
        .isInstanceOf(NoAvailableServerException.class);
    s = scrape();
    assertThat(s.value("loadbalancer_requests_discard_total", "reason", "NO_SERVERS")).isEqualTo(2);
    assertThat(s.value("loadbalancer_servers", "state", "EJECTED")).isZero();
    assertThat(s.value("loadbalancer_panic_mode", service)).isZero();
    // Nothing tagged per server by default.
    assertThat(s.toString()).doesNotContain("serviceInstance");
  }

  @Test
  void perServerTagsGiveOneSeriesPerServerUntilItLeaves() {
    LoadBalancerMetrics metrics =
        LoadBalancerMetrics.builder().perServerTags(true).tag("zone", "eu-1").build();
    metrics.bindTo(registry); // before the balancer is built: meters come with the build
    LoadBalancer lb = balancer(metrics, 2);
    for (int i = 0; i < 4; i++) {
      Pick p = lb.pick();
      ticker.advance(Duration.ofMillis(1));
      p.success();
    }
    Pick open = pickOf(lb, "10.0.0.1:8080");

    Scrape s = scrape();
    for (int i = 0; i < 2; i++) {
      String[] tags = {
        "serviceId", "orders-lb",
        "zone", "eu-1",
        "serviceInstance_instanceId", "10.0.0." + i + ":8080",
        "serviceInstance_host", "10.0.0." + i,
        "serviceInstance_port", "8080"
      };
      assertThat(s.value("loadbalancer_requests_success_seconds_count", tags)).isEqualTo(2);
      assertThat(s.value("loadbalancer_requests_active", tags)).isEqualTo(i == 1 ? 1 : 0);
    }
    open.close();

    // A server added later gets its series with its first outcome; a removed one loses them.
    lb.addServer(Server.of("10.0.0.9", 8080));
    pickOf(lb, "10.0.0.9:8080").success();
    assertThat(lb.removeServer("10.0.0.0:8080")).isTrue();
    s = scrape();
    assertThat(s.lines("loadbalancer_requests_success_seconds_count")).hasSize(2);
    assertThat(
            s.value(
                "loadbalancer_requests_success_seconds_count",
                "serviceInstance_instanceId",
                "10.0.0.9:8080"))
        .isEqualTo(1);
    assertThat(s.lines("loadbalancer_requests_active", "serviceInstance_host", "10.0.0.0"))
        .isEmpty();
    // Counts that are not about one server keep their balancer-wide series.
    assertThat(s.value("loadbalancer_servers", "state", "HEALTHY")).isEqualTo(2);
  }

  @Test
  void oneBinderServesOneBalancerAndOneRegistry() {
    LoadBalancerMetrics metrics = LoadBalancerMetrics.builder().build();
    balancer(metrics, 1);
    LoadBalancerBuilder second =
        LoadBalancer.builder()
            .name("other")
            .selector(Selectors.random())
            .observer(metrics.observer());
    assertThatThrownBy(second::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("orders-lb")
        .hasMessageContaining("other");

    metrics.bindTo(registry);
    metrics.bindTo(registry); // the same registry again: nothing happens
    assertThatThrownBy(() -> metrics.bindTo(new SimpleMeterRegistry()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("CompositeMeterRegistry");
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose
  void badSettingsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> LoadBalancerMetrics.builder().serviceId(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("' '");
    assertThatThrownBy(() -> LoadBalancerMetrics.builder().tag("serviceId", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'serviceId'");
    assertThatThrownBy(() -> LoadBalancerMetrics.builder().tag("zone", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("value");
  }
}
