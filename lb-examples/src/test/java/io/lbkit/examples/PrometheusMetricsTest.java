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
package io.lbkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import io.lbkit.micrometer.LoadBalancerMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * A consumer of the BOM that adds lb-micrometer and a Prometheus registry gets the balancer's
 * metrics in a Prometheus scrape, under Spring Cloud LoadBalancer's names.
 */
class PrometheusMetricsTest {
  @Test
  void aBalancersRequestsReachAPrometheusScrape() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    LoadBalancerMetrics metrics = LoadBalancerMetrics.builder().serviceId("orders").build();
    metrics.bindTo(registry);
    try (LoadBalancer orders =
        LoadBalancer.builder()
            .name("orders")
            .selector(Selectors.leastResponseTime())
            .servers(Server.of("10.0.0.1", 8080), Server.of("10.0.0.2", 8080))
            .observer(metrics.observer())
            .build()) {
      for (int i = 0; i < 4; i++) {
        try (Pick pick = orders.pick()) {
          pick.complete(i == 0 ? Outcome.FAILURE : Outcome.SUCCESS);
        }
      }
      orders.clear();
      try {
        orders.pick();
      } catch (NoAvailableServerException expected) {
        // counted as a discard
      }
    }
    String scrape = registry.scrape();
    registry.close();

    assertThat(scrape)
        .contains("loadbalancer_requests_success_seconds_count{serviceId=\"orders\"} 3")
        .contains(
            "loadbalancer_requests_failed_seconds_count{outcome=\"FAILURE\",serviceId=\"orders\"} 1")
        .contains("loadbalancer_requests_active{serviceId=\"orders\"} 0")
        .contains(
            "loadbalancer_requests_discard_total{reason=\"NO_SERVERS\",serviceId=\"orders\"} 1");
  }
}
