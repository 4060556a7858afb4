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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Malformed configuration, unknown hosts and empty services fail with clear messages. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BadInputTest {
  private final LoadBalancer empty =
      LoadBalancer.builder().name("inventory").selector(Selectors.roundRobin()).build();

  @AfterEach
  void tearDown() {
    empty.close();
  }

  @Test
  void logicalHostMustBeABareHostName() {
    LoadBalancingInterceptor.Builder b = LoadBalancingInterceptor.builder();
    for (String bad :
        List.of("", " ", "http://inventory", "inventory:8080", "inventory/items", "in ventory")) {
      assertThatThrownBy(() -> b.service(bad, empty))
          .as("'%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("bare host name")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void duplicateServiceIsRejectedCaseInsensitively() {
    LoadBalancingInterceptor.Builder b =
        LoadBalancingInterceptor.builder().service("inventory", empty);
    assertThatThrownBy(() -> b.service("Inventory", empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service 'Inventory' is already configured");
  }

  @Test
  void interceptorNeedsAService() {
    assertThatThrownBy(() -> LoadBalancingInterceptor.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no service configured");
  }

  @Test
  void outOfRangeSettingsNameTheValue() {
    LoadBalancingInterceptor.Builder b = LoadBalancingInterceptor.builder();
    assertThatThrownBy(() -> b.maxAttempts(0)).hasMessage("maxAttempts must be in 1..10 but was 0");
    assertThatThrownBy(() -> b.retryStatuses(503, 700))
        .hasMessage("retry status must be an error status in 400..599 but was 700");
    assertThatThrownBy(() -> RetryBudget.of(-0.1, 0))
        .hasMessage("retry ratio must be in 0..10 but was -0.1");
    assertThatThrownBy(() -> RetryBudget.of(Double.NaN, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetryBudget.of(0.2, -1))
        .hasMessage("minRetriesPerSecond must not be negative but was -1");
    assertThatThrownBy(() -> RetryBudget.of(0.2, 1, Duration.ZERO))
        .hasMessage("retry budget window must be between 1 s and 1 h but was PT0S");
    assertThatThrownBy(() -> ServerHint.pin(" ")).hasMessage("server id must not be blank");
    assertThatThrownBy(() -> OkHttpHealthChecker.builder(new OkHttpClient()).path("health"))
        .hasMessage("health check path must start with '/' but was 'health'");
    assertThatThrownBy(() -> OkHttpHealthChecker.builder(new OkHttpClient()).logicalHost("a:1"))
        .hasMessageContaining("'a:1'");
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose
  void retryStatusesThatAreNotErrorsAreRejected() {
    LoadBalancingInterceptor.Builder b = LoadBalancingInterceptor.builder();
    // Resending a request that succeeded (2xx), was redirected (3xx) or is informational (1xx)
    // would duplicate its effects.
    for (int code :
        new int[] {100, 200, 204, 301, 304, 399, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
      assertThatThrownBy(() -> b.retryStatuses(503, code))
          .as("%s", code)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("retry status must be an error status in 400..599 but was " + code);
    }
    b.retryStatuses(400, 409, 599); // error statuses stay accepted
    b.retryStatuses(); // and none turns status retries off
    assertThatThrownBy(() -> b.retryStatuses((int[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("codes");
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose
  void nullServerInTheServerListIsNamed() {
    Server a = Server.of("10.0.0.1", 8080);
    assertThatThrownBy(() -> LoadBalancer.builder().servers(a, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("servers[1] is null");
    assertThatThrownBy(() -> LoadBalancer.builder().servers(Arrays.asList(null, a)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("servers[0] is null");
    assertThatThrownBy(() -> LoadBalancer.builder().servers((Server[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("servers");
  }

  @Test
  void hashKeyHeaderAndCookieNamesMustBeTokens() {
    LoadBalancingInterceptor.Builder b = LoadBalancingInterceptor.builder();
    for (String bad : List.of("a b", "", " ", "X-Session ", "X:Session", "X\nSession", "Séance")) {
      assertThatThrownBy(() -> b.hashKeyHeader(bad))
          .as("'%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "hash key header name must be an HTTP token such as 'X-Session-Id' but was '"
                  + bad
                  + "'");
    }
    for (String bad : List.of("a b", "", " SESSION", "a=b", "a;b", "a,b", "\"s\"", "Séance")) {
      assertThatThrownBy(() -> b.hashKeyCookie(bad))
          .as("'%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "hash key cookie name must be an HTTP token such as 'SESSION' but was '" + bad + "'");
    }
    b.hashKeyHeader("X-Session_Id.v2!").hashKeyCookie("__Host-session");
  }

  @Test
  void urlWithAnExplicitNonDefaultPortIsRejectedNotSilentlyRerouted() throws Exception {
    try (Backend backend = Backend.start("s0");
        LoadBalancer lb =
            LoadBalancer.builder()
                .selector(Selectors.roundRobin())
                .servers(backend.server())
                .build()) {
      OkHttpClient client =
          TestClients.builder(LoadBalancingInterceptor.builder().service("inventory", lb).build())
              .build();

      assertThatThrownBy(
              () ->
                  client
                      .newCall(new Request.Builder().url("http://inventory:9999/items").build())
                      .execute())
          .isInstanceOf(LoadBalancingException.class)
          .hasMessage(
              "inventory: the URL names port 9999, but a load-balanced"
                  + " URL takes the port of the server it is sent to: leave the port out"
                  + " (http://inventory/...)");
      assertThat(backend.requests()).isZero();

      // The scheme's default port, written out or not, is the same URL to OkHttp: balanced.
      for (String url : List.of("http://inventory:80/items", "http://INVENTORY/items")) {
        try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
          assertThat(r.code()).as(url).isEqualTo(200);
        }
      }
      assertThat(backend.requests()).isEqualTo(2);
      TestClients.shutdown(client);
    }
  }

  @Test
  void serviceWithNoServersFailsTheCallSayingSo() {
    OkHttpClient client =
        TestClients.builder(LoadBalancingInterceptor.builder().service("inventory", empty).build())
            .build();

    LoadBalancingException e =
        catchThrowableOfType(
            LoadBalancingException.class,
            () ->
                client
                    .newCall(new Request.Builder().url("http://inventory/items").build())
                    .execute());

    assertThat(e.getMessage()).startsWith("inventory: no server available: ");
    assertThat(e.attempts()).isEmpty();
    assertThat(e.getCause())
        .isInstanceOfSatisfying(
            NoAvailableServerException.class,
            n -> assertThat(n.reason()).isEqualTo(NoAvailableServerException.Reason.NO_SERVERS));
    TestClients.shutdown(client);
  }

  @Test
  void serviceWhoseServersAreAllDownFailsTheCallWithTheReason() {
    try (LoadBalancer down =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(Server.of("127.0.0.1", 9))
            .build()) {
      down.setHealth("127.0.0.1:9", HealthState.UNHEALTHY);
      OkHttpClient client =
          TestClients.builder(LoadBalancingInterceptor.builder().service("inventory", down).build())
              .build();

      LoadBalancingException e =
          catchThrowableOfType(
              LoadBalancingException.class,
              () ->
                  client.newCall(new Request.Builder().url("http://inventory/").build()).execute());

      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              NoAvailableServerException.class,
              n ->
                  assertThat(n.reason())
                      .isEqualTo(NoAvailableServerException.Reason.ALL_UNHEALTHY));
      TestClients.shutdown(client);
    }
  }

  @Test
  void unknownLogicalHostIsNotRoutedAndFailsAsOkHttpWould() {
    OkHttpClient client =
        TestClients.builder(LoadBalancingInterceptor.builder().service("inventory", empty).build())
            .dns(
                host -> {
                  throw new UnknownHostException("no such host: " + host);
                })
            .build();

    assertThatThrownBy(
            () ->
                client
                    .newCall(new Request.Builder().url("http://inventroy/items").build())
                    .execute())
        .isInstanceOf(UnknownHostException.class)
        .hasMessage("no such host: inventroy");
    TestClients.shutdown(client);
  }

  @Test
  void pinToAnUnknownServerNamesTheKnownOnes() throws Exception {
    try (Backend b = Backend.start("s0");
        LoadBalancer lb =
            LoadBalancer.builder().selector(Selectors.roundRobin()).servers(b.server()).build()) {
      OkHttpClient client =
          TestClients.builder(LoadBalancingInterceptor.builder().service("inventory", lb).build())
              .build();
      Request request =
          new Request.Builder()
              .url("http://inventory/")
              .tag(ServerHint.class, ServerHint.pin("s9"))
              .build();

      assertThatThrownBy(() -> client.newCall(request).execute())
          .isInstanceOf(LoadBalancingException.class)
          .hasMessage(
              "inventory: the request is pinned to server 's9', which is not one of its servers [s0]");
      assertThat(b.requests()).isZero();
      TestClients.shutdown(client);
    }
  }
}
