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
package io.lbkit.kubernetes;

import static io.lbkit.kubernetes.Slices.apply;
import static io.lbkit.kubernetes.Slices.await;
import static io.lbkit.kubernetes.Slices.endpoint;
import static io.lbkit.kubernetes.Slices.port;
import static io.lbkit.kubernetes.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.lbkit.core.DiscoveryBinding;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import io.lbkit.okhttp.LoadBalancingInterceptor;
import io.lbkit.okhttp.RetryBudget;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The whole path as an application has it: EndpointSlices in the API server name two real HTTP
 * servers on loopback, a balancer follows them, and a real OkHttp client through the lbkit
 * interceptor reaches the one the slices say is ready, then the other when they say so.
 */
@EnableKubernetesMockClient(crud = true)
class OkHttpOverEndpointSlicesTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @SuppressWarnings("NullAway.Init") // set by the mock server's extension
  static KubernetesClient client;

  private final MockWebServer blue = new MockWebServer();
  private final MockWebServer green = new MockWebServer();

  @AfterEach
  void close() throws IOException {
    blue.close();
    green.close();
  }

  private static void answer(MockWebServer server, String body) throws IOException {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().code(200).body(body).build();
          }
        });
    server.start(InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1}), 0);
  }

  /** The service's two slices: blue's pod and green's, each with its own target port. */
  private void publish(boolean blueReady, boolean greenReady) {
    apply(
        client,
        slice(
            "web-blue",
            "web",
            "IPv4",
            List.of(port("http", blue.getPort())),
            List.of(endpoint("127.0.0.1", blueReady, true, !blueReady, "zone-a"))));
    apply(
        client,
        slice(
            "web-green",
            "web",
            "IPv4",
            List.of(port("http", green.getPort())),
            List.of(endpoint("127.0.0.1", greenReady, greenReady, false, "zone-b"))));
  }

  private static String get(OkHttpClient http) throws IOException {
    try (Response r =
        http.newCall(new Request.Builder().url("http://web/hello").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      return r.body().string();
    }
  }

  @Test
  void requestsGoToTheServerTheSlicesSayIsReady() throws Exception {
    answer(blue, "blue");
    answer(green, "green");
    publish(true, false); // green's pod is starting
    try (LoadBalancer web =
            LoadBalancer.builder().name("web").selector(Selectors.roundRobin()).build();
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                web,
                EndpointSliceSource.builder("web")
                    .namespace(Slices.NS)
                    .portName("http")
                    .client(client)
                    .build())) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      String blueId = "127.0.0.1:" + blue.getPort();
      String greenId = "127.0.0.1:" + green.getPort();
      await(
          () -> "health " + web.status(),
          WAIT,
          () ->
              web.health(greenId).equals(java.util.Optional.of(HealthState.UNHEALTHY))
                  && web.health(blueId).equals(java.util.Optional.of(HealthState.HEALTHY)));
      OkHttpClient http =
          new OkHttpClient.Builder()
              .addInterceptor(
                  LoadBalancingInterceptor.builder()
                      .service("web", web)
                      .maxAttempts(1)
                      .retryBudget(RetryBudget.none())
                      .build())
              .build();
      for (int i = 0; i < 6; i++) {
        assertThat(get(http)).isEqualTo("blue");
      }
      assertThat(green.getRequestCount()).isZero();

      // Blue's pod shuts down (terminating, still serving), green's is ready: traffic moves.
      publish(false, true);
      await(
          () -> "health " + web.status(),
          WAIT,
          () ->
              web.health(blueId).equals(java.util.Optional.of(HealthState.DRAINING))
                  && web.health(greenId).equals(java.util.Optional.of(HealthState.HEALTHY)));
      int blueBefore = blue.getRequestCount();
      for (int i = 0; i < 6; i++) {
        assertThat(get(http)).isEqualTo("green");
      }
      assertThat(blue.getRequestCount()).isEqualTo(blueBefore);
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      Slices.settle(client, "web-green", discovery);
    }
  }
}
