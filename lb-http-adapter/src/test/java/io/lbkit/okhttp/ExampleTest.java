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
package io.lbkit.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
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
import org.junit.jupiter.api.Test;

/**
 * How to use the adapter, top to bottom: three servers of a logical service "inventory", one OkHttp
 * client with one interceptor, and plain OkHttp calls to {@code http://inventory/...}.
 */
class ExampleTest {
  @Test
  void callALogicalServiceThroughOneInterceptor() throws Exception {
    // 1. Three real HTTP servers on loopback stand in for the inventory service's instances.
    //    Each answers with its own name so we can see where requests went.
    MockWebServer b = server("b"); // closed halfway through the example
    try (MockWebServer a = server("a");
        MockWebServer c = server("c")) {

      // 2. An lbkit balancer for the service: the servers (from config or service discovery), an
      //    algorithm, and outlier detection so that failing servers are taken out by themselves.
      try (LoadBalancer inventory =
          LoadBalancer.builder()
              .name("inventory")
              .selector(Selectors.roundRobin())
              .servers(
                  List.of(
                      Server.of("127.0.0.1", a.getPort()),
                      Server.of("127.0.0.1", b.getPort()),
                      Server.of("127.0.0.1", c.getPort())))
              .outlierDetection(OutlierDetection.defaults())
              .build()) {

        // 3. The application's OkHttp client, plus one application interceptor that owns the
        //    logical host name "inventory". Other hosts pass through untouched.
        OkHttpClient client =
            new OkHttpClient.Builder()
                .addInterceptor(
                    LoadBalancingInterceptor.builder()
                        .service("inventory", inventory)
                        .maxAttempts(3) // try at most three servers per request
                        .retryBudget(RetryBudget.defaults()) // retries <= 20% of requests + 10/s
                        .build())
                .readTimeout(Duration.ofSeconds(2))
                .build();

        // 4. Call the logical service like any URL. Each call goes to the server the balancer
        // picks,
        //    and its outcome (status, latency, errors) is reported back to the balancer.
        StringBuilder servedBy = new StringBuilder();
        for (int i = 0; i < 6; i++) {
          Request request = new Request.Builder().url("http://inventory/items?page=" + i).build();
          try (Response response = client.newCall(request).execute()) {
            assertThat(response.code()).isEqualTo(200);
            servedBy.append(response.body().string());
          }
        }

        // Round robin visited every server twice, in a fixed rotation.
        assertThat(servedBy.toString()).hasSize(6);
        assertThat(servedBy.toString().chars().filter(ch -> ch == 'a')).hasSize(2);
        assertThat(servedBy.toString().chars().filter(ch -> ch == 'b')).hasSize(2);
        assertThat(servedBy.toString().chars().filter(ch -> ch == 'c')).hasSize(2);
        assertThat(servedBy.substring(0, 3)).isEqualTo(servedBy.substring(3, 6));

        // The servers saw the path, the query and the logical Host header the caller wrote.
        RecordedRequest seen = a.takeRequest();
        assertThat(seen.getUrl().encodedPath()).isEqualTo("/items");
        assertThat(seen.getUrl().queryParameter("page")).isIn("0", "1", "2"); // a random start
        assertThat(seen.getHeaders().get("Host")).isEqualTo("inventory");

        // 5. When a server goes away, its requests fail over to the others: the caller notices
        //    nothing, and the balancer learns (here: ejects it after five connect failures).
        b.close();
        for (int i = 0; i < 6; i++) {
          Request request = new Request.Builder().url("http://inventory/items").build();
          try (Response response = client.newCall(request).execute()) {
            assertThat(response.code()).isEqualTo(200);
            assertThat(response.body().string()).isIn("a", "c");
          }
        }

        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
    } finally {
      b.close();
    }
  }

  private static MockWebServer server(String name) throws IOException {
    MockWebServer server = new MockWebServer();
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            return new MockResponse.Builder().body(name).build();
          }
        });
    server.start(InetAddress.getLoopbackAddress(), 0);
    return server;
  }
}
