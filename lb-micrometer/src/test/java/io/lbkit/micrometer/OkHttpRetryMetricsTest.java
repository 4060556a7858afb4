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

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import io.lbkit.okhttp.LoadBalancingInterceptor;
import io.lbkit.okhttp.RetryBudget;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Retries and failovers of a real OkHttp client through the lbkit interceptor, against real servers
 * on loopback, read from a Prometheus scrape next to the balancer's own request meters.
 */
class OkHttpRetryMetricsTest {
  private final MockWebServer failing = new MockWebServer();
  private final MockWebServer good = new MockWebServer();
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private @Nullable LoadBalancer balancer;

  @AfterEach
  void close() throws IOException {
    LoadBalancer b = balancer;
    if (b != null) {
      b.close();
    }
    failing.close();
    good.close();
    registry.close();
  }

  private static void answer(MockWebServer server, int code) throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().code(code).body("x").build();
          }
        });
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  /** A loopback port nothing listens on: connections are refused. */
  private static int refusingPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void retriesAndFailoversReachAPrometheusScrape() throws IOException {
    answer(failing, 503);
    answer(good, 200);
    LoadBalancerMetrics metrics = LoadBalancerMetrics.builder().build();
    OkHttpRetryMetrics retries = new OkHttpRetryMetrics();
    metrics.bindTo(registry);
    retries.bindTo(registry);
    LoadBalancer balancer =
        LoadBalancer.builder()
            .name("orders")
            .selector(Selectors.roundRobin())
            .servers(
                Server.of("127.0.0.1", failing.getPort()),
                Server.of("127.0.0.1", good.getPort()),
                Server.of("127.0.0.1", refusingPort()))
            .observer(metrics.observer())
            .build();
    this.balancer = balancer;
    OkHttpClient client =
        new OkHttpClient.Builder()
            .addInterceptor(
                LoadBalancingInterceptor.builder()
                    .service("orders", balancer)
                    .maxAttempts(3)
                    .retryBudget(RetryBudget.of(1.0, 100))
                    .retryListener(retries)
                    .build())
            .build();

    int requests = 9;
    for (int i = 0; i < requests; i++) {
      try (Response r =
          client.newCall(new Request.Builder().url("http://orders/x").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo("x");
      }
    }

    Scrape s = new Scrape(registry.scrape());
    // Every 503 was retried, and every refused connection failed over; both went elsewhere.
    assertThat(failing.getRequestCount()).isPositive();
    assertThat(s.value("loadbalancer_retries_total", "serviceId", "orders", "status", "503"))
        .isEqualTo(failing.getRequestCount());
    double refused =
        s.value("loadbalancer_requests_failed_seconds_count", "outcome", "CONNECT_FAILURE");
    assertThat(refused).isPositive();
    assertThat(
            s.value(
                "loadbalancer_failovers_total",
                "serviceId",
                "orders",
                "outcome",
                "CONNECT_FAILURE"))
        .isEqualTo(refused);
    // The balancer's own meters saw the same attempts: the 503s are failures, each request ends
    // with one success on the good server.
    assertThat(s.value("loadbalancer_requests_failed_seconds_count", "outcome", "FAILURE"))
        .isEqualTo(failing.getRequestCount());
    assertThat(s.value("loadbalancer_requests_success_seconds_count", "serviceId", "orders"))
        .isEqualTo(requests);
    assertThat(good.getRequestCount()).isEqualTo(requests);
  }
}
