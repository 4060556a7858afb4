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
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.RecordedRequest;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a routed request looks like at the server, connection pooling, hints and pass-through. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RoutingTest {
  private final List<Backend> backends = new ArrayList<>();
  private LoadBalancer balancer = LoadBalancer.builder().selector(Selectors.roundRobin()).build();
  private OkHttpClient client = new OkHttpClient();

  @BeforeEach
  void setUp() throws Exception {
    for (int i = 0; i < 3; i++) {
      backends.add(Backend.start("s" + i));
    }
    balancer =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(backends.get(0).server(), backends.get(1).server(), backends.get(2).server())
            .build();
    client =
        TestClients.builder(
                LoadBalancingInterceptor.builder().service("inventory", balancer).build())
            .build();
  }

  @AfterEach
  void tearDown() {
    TestClients.shutdown(client);
    balancer.close();
    backends.forEach(Backend::close);
  }

  @Test
  void keepsMethodPathQueryHeadersAndBodyAndTheLogicalHost() throws Exception {
    Request request =
        new Request.Builder()
            .url("http://inventory/items/42?expand=stock&q=a%20b")
            .header("X-Trace", "t-1")
            .put(RequestBody.create("{\"n\":1}", MediaType.get("application/json")))
            .build();

    try (Response r = client.newCall(request).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }

    RecordedRequest seen = onlyRequest();
    assertThat(seen.getMethod()).isEqualTo("PUT");
    assertThat(seen.getTarget()).isEqualTo("/items/42?expand=stock&q=a%20b");
    assertThat(seen.getHeaders().get("X-Trace")).isEqualTo("t-1");
    assertThat(seen.getHeaders().get("Host")).isEqualTo("inventory");
    assertThat(seen.getHeaders().get("Content-Type")).startsWith("application/json");
    assertThat(seen.getBody().utf8()).isEqualTo("{\"n\":1}");
  }

  @Test
  void callerSetHostHeaderIsKept() throws Exception {
    Request request =
        new Request.Builder().url("http://inventory/x").header("Host", "vhost.example").build();
    client.newCall(request).execute().close();

    assertThat(onlyRequest().getHeaders().get("Host")).isEqualTo("vhost.example");
  }

  @Test
  void connectionsArePooledPerServerAndNeverShared() throws Exception {
    for (int i = 0; i < 9; i++) {
      try (Response r = get("/x")) {
        r.body().string();
      }
    }

    // Three requests per server over one connection each: the second and third reuse it.
    for (Backend b : backends) {
      assertThat(b.requests()).isEqualTo(3);
      List<Integer> exchanges = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        RecordedRequest r = b.mockWebServer().takeRequest(1, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        assertThat(r.getConnectionIndex()).isZero();
        exchanges.add(r.getExchangeIndex());
      }
      assertThat(exchanges).containsExactly(0, 1, 2);
    }
    assertThat(client.connectionPool().connectionCount()).isEqualTo(3);
  }

  @Test
  void hostsItDoesNotManagePassThroughUntouched() throws Exception {
    Backend other = backends.get(0);
    try (Response r =
        client
            .newCall(
                new Request.Builder().url("http://127.0.0.1:" + other.port() + "/direct").build())
            .execute()) {
      assertThat(r.code()).isEqualTo(200);
    }

    RecordedRequest seen = other.mockWebServer().takeRequest();
    assertThat(seen.getTarget()).isEqualTo("/direct");
    assertThat(seen.getHeaders().get("Host")).isEqualTo("127.0.0.1:" + other.port());
    assertThat(backends.get(1).requests() + backends.get(2).requests()).isZero();
  }

  @Test
  void pinSendsEveryRequestToThatServerWithoutFailover() throws Exception {
    for (int i = 0; i < 5; i++) {
      client.newCall(hinted(ServerHint.pin("s1"))).execute().close();
    }
    assertThat(backends.get(1).requests()).isEqualTo(5);

    // Pinned even when the balancer would not pick it.
    balancer.setHealth("s1", HealthState.UNHEALTHY);
    client.newCall(hinted(ServerHint.pin("s1"))).execute().close();
    assertThat(backends.get(1).requests()).isEqualTo(6);

    // And no failover: a pinned request to a dead server fails, naming it.
    backends.get(2).shutdown();
    LoadBalancingException e =
        catchThrowableOfType(
            LoadBalancingException.class,
            () -> client.newCall(hinted(ServerHint.pin("s2"))).execute().close());
    assertThat(e.getMessage()).contains("pinned to s2");
    assertThat(e.attempts()).hasSize(1);
  }

  @Test
  void preferTriesThatServerFirstAndFailsOver() throws Exception {
    for (int i = 0; i < 4; i++) {
      client.newCall(hinted(ServerHint.prefer("s2"))).execute().close();
    }
    assertThat(backends.get(2).requests()).isEqualTo(4);

    backends.get(2).shutdown();
    try (Response r = client.newCall(hinted(ServerHint.prefer("s2"))).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    // An unknown or ineligible preference is ignored.
    try (Response r = client.newCall(hinted(ServerHint.prefer("nope"))).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
  }

  private Request hinted(ServerHint hint) {
    return new Request.Builder().url("http://inventory/x").tag(ServerHint.class, hint).build();
  }

  private Response get(String path) throws Exception {
    return client.newCall(new Request.Builder().url("http://inventory" + path).build()).execute();
  }

  private RecordedRequest onlyRequest() throws Exception {
    RecordedRequest found = null;
    for (Backend b : backends) {
      RecordedRequest r = b.mockWebServer().takeRequest(10, TimeUnit.MILLISECONDS);
      if (r != null) {
        assertThat(found).as("a second request").isNull();
        found = r;
      }
    }
    if (found == null) {
      throw new AssertionError("no backend received the request");
    }
    return found;
  }
}
