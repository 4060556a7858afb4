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

import io.lbkit.core.FakeTicker;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadBalancerBuilder;
import io.lbkit.core.Outcome;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Failover, idempotency, one-shot bodies and the retry budget, against real loopback servers. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FailoverTest {
  private static final MediaType TEXT = MediaType.get("text/plain");

  private final List<Backend> backends = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final FakeTicker budgetTicker = new FakeTicker();
  private LoadBalancer balancer = LoadBalancer.builder().selector(Selectors.random()).build();
  private LoadBalancingInterceptor interceptor =
      LoadBalancingInterceptor.builder().service("unused", balancer).build();
  private int nextId;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    for (Backend b : backends) {
      b.close();
    }
    balancer.close();
  }

  @Test
  void connectFailureGoesToAnotherServerEvenForPost() throws Exception {
    OkHttpClient client =
        setUp(
            3,
            Selectors.roundRobin(),
            OutlierDetection.builder()
                .consecutiveConnectFailures(2)
                .disableSuccessRate()
                .maxEjectionPercent(100)
                .build(),
            LoadBalancingInterceptor.builder());
    backends.get(0).shutdown();

    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String id = id();
      ids.add(id);
      try (Response r = client.newCall(post(id)).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }

    // Nothing was lost or duplicated: every POST reached exactly one server once.
    for (String id : ids) {
      assertThat(backends.get(1).received(id) + backends.get(2).received(id)).isEqualTo(1);
    }
    // The balancer learned: two connect failures in a row ejected the dead server.
    assertThat(balancer.health("s0")).contains(HealthState.EJECTED);
  }

  @Test
  void postThatMayHaveReachedAServerIsNeverSentAgain() throws Exception {
    OkHttpClient client =
        setUp(3, Selectors.roundRobin(), null, LoadBalancingInterceptor.builder());
    backends.get(0).behave(Backend.reset()); // reads the request, then drops the connection

    int ok = 0;
    int failed = 0;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String id = id();
      ids.add(id);
      try (Response r = client.newCall(post(id)).execute()) {
        assertThat(r.code()).isEqualTo(200);
        ok++;
      } catch (LoadBalancingException e) {
        assertThat(e.attempts()).hasSize(1);
        assertThat(e.attempts().get(0).server().id()).isEqualTo("s0");
        assertThat(e.getMessage()).contains("s0", "not idempotent");
        failed++;
      }
    }

    assertThat(ok + failed).isEqualTo(30);
    assertThat(failed).isEqualTo(backends.get(0).requests()).isEqualTo(10);
    for (String id : ids) {
      assertThat(totalReceived(id)).isEqualTo(1);
    }
  }

  @Test
  void getAfterAResetIsRetriedOnADifferentServer() throws Exception {
    OkHttpClient client =
        setUp(3, Selectors.roundRobin(), null, LoadBalancingInterceptor.builder());
    backends.get(0).behave(Backend.reset());

    for (int i = 0; i < 30; i++) {
      String id = id();
      try (Response r = client.newCall(get(id)).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
      // Never the same server twice for one request.
      for (Backend b : backends) {
        assertThat(b.received(id)).isLessThanOrEqualTo(1);
      }
    }
    assertThat(backends.get(0).requests()).isGreaterThan(0);
  }

  @Test
  void retryStatusIsRetriedForIdempotentRequestsOnly() throws Exception {
    OkHttpClient client =
        setUp(3, Selectors.roundRobin(), null, LoadBalancingInterceptor.builder());
    backends.get(0).behave(Backend.status(503));

    for (int i = 0; i < 12; i++) {
      try (Response r = client.newCall(get(id())).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    int posts503 = 0;
    for (int i = 0; i < 12; i++) {
      String id = id();
      try (Response r = client.newCall(post(id)).execute()) {
        // A POST that got a 503 is not resent: the caller gets the 503.
        posts503 += r.code() == 503 ? 1 : 0;
        assertThat(totalReceived(id)).isEqualTo(1);
      }
    }
    assertThat(posts503).isPositive();
  }

  @Test
  void postMarkedIdempotentByTheCallerIsRetried() throws Exception {
    OkHttpClient client =
        setUp(2, Selectors.roundRobin(), null, LoadBalancingInterceptor.builder());
    backends.get(0).behave(Backend.status(503));

    for (int i = 0; i < 6; i++) {
      Request request =
          post(id()).newBuilder().tag(Idempotency.class, Idempotency.IDEMPOTENT).build();
      try (Response r = client.newCall(request).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    // And a GET marked not idempotent is not.
    int got503 = 0;
    for (int i = 0; i < 6; i++) {
      Request request =
          get(id()).newBuilder().tag(Idempotency.class, Idempotency.NOT_IDEMPOTENT).build();
      try (Response r = client.newCall(request).execute()) {
        got503 += r.code() == 503 ? 1 : 0;
      }
    }
    assertThat(got503).isEqualTo(3);
  }

  @Test
  void hangingServerTimesOutAndOnlyIdempotentRequestsFailOver() throws Exception {
    OkHttpClient client =
        setUp(2, Selectors.roundRobin(), null, LoadBalancingInterceptor.builder())
            .newBuilder()
            .readTimeout(Duration.ofMillis(200))
            .build();
    Backend hung = backends.get(0);
    hung.behave(hung.hang());

    try (Response r = client.newCall(get(id())).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    try (Response r = client.newCall(get(id())).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    // Round robin sends one of the next two first attempts to the hung server; a POST there times
    // out and is not resent, the other one succeeds.
    List<LoadBalancingException> failures = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String id = id();
      try (Response r = client.newCall(post(id)).execute()) {
        assertThat(r.code()).isEqualTo(200);
      } catch (LoadBalancingException e) {
        failures.add(e);
      }
      assertThat(totalReceived(id)).isEqualTo(1);
    }
    assertThat(failures)
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.attempts())
                    .singleElement()
                    .satisfies(
                        a -> {
                          assertThat(a.server().id()).isEqualTo("s0");
                          assertThat(a.outcome()).isEqualTo(Outcome.TIMEOUT);
                        }));
  }

  @Test
  void finalFailureListsEveryServerTriedAndWhy() throws Exception {
    OkHttpClient client =
        setUp(3, Selectors.roundRobin(), null, LoadBalancingInterceptor.builder());
    List<Integer> ports = new ArrayList<>();
    for (Backend b : backends) {
      ports.add(b.port());
      b.shutdown();
    }

    LoadBalancingException e =
        catchThrowableOfType(
            LoadBalancingException.class, () -> client.newCall(get(id())).execute().close());

    assertThat(e.service()).isEqualTo("inventory");
    assertThat(e.attempts())
        .extracting(a -> a.server().id())
        .containsExactlyInAnyOrder("s0", "s1", "s2");
    assertThat(e.attempts())
        .allSatisfy(a -> assertThat(a.outcome()).isEqualTo(Outcome.CONNECT_FAILURE));
    assertThat(e.getMessage())
        .startsWith("inventory: 3 attempts failed (no retry: maxAttempts (3) reached)")
        .contains("s0 CONNECT_FAILURE", "s1 CONNECT_FAILURE", "s2 CONNECT_FAILURE")
        .contains(String.valueOf(ports.get(0)));
    assertThat(e).hasCauseInstanceOf(IOException.class);
  }

  @Test
  void neverTriesTheSameServerTwiceEvenWithAttemptsLeft() throws Exception {
    OkHttpClient client =
        setUp(
            2,
            Selectors.leastConnections(),
            null,
            LoadBalancingInterceptor.builder().maxAttempts(5));
    backends.forEach(b -> b.behave(Backend.status(503)));

    for (int i = 0; i < 10; i++) {
      String id = id();
      try (Response r = client.newCall(get(id)).execute()) {
        assertThat(r.code()).isEqualTo(503); // the last answer goes back to the caller
      }
      assertThat(backends.get(0).received(id)).isEqualTo(1);
      assertThat(backends.get(1).received(id)).isEqualTo(1);
    }
  }

  @Test
  void oneShotBodyIsNeverReplayedButMayMoveBeforeItWasSent() throws Exception {
    OkHttpClient client =
        setUp(2, Selectors.roundRobin(), null, LoadBalancingInterceptor.builder());
    backends.get(0).shutdown(); // refuses connections from the start

    // A connect failure happens before any byte is written, so the body can still go elsewhere.
    for (int i = 0; i < 4; i++) {
      String id = id();
      try (Response r = client.newCall(put(id, oneShot("payload"))).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
      assertThat(backends.get(1).received(id)).isEqualTo(1);
    }

    // PUT is idempotent, but a one-shot body that was written cannot be written again: the 503
    // goes back to the caller instead of a retry.
    backends.get(1).behave(Backend.status(503));
    for (int i = 0; i < 4; i++) {
      String id = id();
      try (Response r = client.newCall(put(id, oneShot("payload"))).execute()) {
        assertThat(r.code()).isEqualTo(503);
      }
      assertThat(totalReceived(id)).isEqualTo(1);
    }
  }

  @Test
  void retriesNeverExceedTheBudget() throws Exception {
    // Every server fails: without a budget each request would be tried three times.
    OkHttpClient client =
        setUp(
            3,
            Selectors.roundRobin(),
            null,
            LoadBalancingInterceptor.builder().retryBudget(RetryBudget.of(0.1, 0)));
    backends.forEach(b -> b.behave(Backend.status(503)));

    for (int i = 0; i < 200; i++) {
      try (Response r = client.newCall(get(id())).execute()) {
        assertThat(r.code()).isEqualTo(503);
      }
    }

    // 10% of 200 requests: exactly 20 retries reached the servers, not 400.
    assertThat(totalRequests()).isEqualTo(220);
    assertThat(interceptor.retriesInWindow("inventory")).isEqualTo(20);

    // Once the window has passed, the budget is refilled only by new traffic.
    budgetTicker.advance(Duration.ofSeconds(11));
    assertThat(interceptor.retriesInWindow("inventory")).isZero();
  }

  @Test
  void budgetFloorAllowsRetriesWithoutTraffic() throws Exception {
    OkHttpClient client =
        setUp(
            3,
            Selectors.roundRobin(),
            null,
            LoadBalancingInterceptor.builder()
                .retryBudget(RetryBudget.of(0, 1, Duration.ofSeconds(5))));
    backends.forEach(b -> b.behave(Backend.status(503)));

    for (int i = 0; i < 20; i++) {
      client.newCall(get(id())).execute().close();
    }

    // No ratio, a floor of 1 per second over 5 seconds: 5 retries.
    assertThat(totalRequests()).isEqualTo(25);
  }

  @Test
  void budgetExhaustionIsNamedInTheFailure() throws Exception {
    OkHttpClient client =
        setUp(
            2,
            Selectors.roundRobin(),
            null,
            LoadBalancingInterceptor.builder().retryBudget(RetryBudget.none()));
    backends.forEach(Backend::shutdown);

    assertThatThrownBy(() -> client.newCall(get(id())).execute().close())
        .isInstanceOf(LoadBalancingException.class)
        .hasMessageContaining("1 attempt failed (no retry: retry budget exhausted");
  }

  // --- helpers ---

  private OkHttpClient setUp(
      int n,
      Selector selector,
      @Nullable OutlierDetection outlier,
      LoadBalancingInterceptor.Builder interceptorBuilder)
      throws IOException {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Backend b = Backend.start("s" + i);
      backends.add(b);
      servers.add(b.server());
    }
    LoadBalancerBuilder lb =
        LoadBalancer.builder().name("inventory").selector(selector).servers(servers);
    if (outlier != null) {
      lb.outlierDetection(outlier).panicThreshold(0);
    }
    balancer.close();
    balancer = lb.build();
    interceptor = interceptorBuilder.service("inventory", balancer).ticker(budgetTicker).build();
    OkHttpClient client = TestClients.builder(interceptor).build();
    closeables.add(() -> TestClients.shutdown(client));
    return client;
  }

  private String id() {
    return "r" + nextId++;
  }

  private static Request get(String id) {
    return new Request.Builder().url("http://inventory/items").header("X-Request-Id", id).build();
  }

  private static Request post(String id) {
    return new Request.Builder()
        .url("http://inventory/orders")
        .header("X-Request-Id", id)
        .post(RequestBody.create("order", TEXT))
        .build();
  }

  private static Request put(String id, RequestBody body) {
    return new Request.Builder()
        .url("http://inventory/items/1")
        .header("X-Request-Id", id)
        .put(body)
        .build();
  }

  private static RequestBody oneShot(String content) {
    return new RequestBody() {
      @Override
      public MediaType contentType() {
        return TEXT;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.writeUtf8(content);
      }

      @Override
      public boolean isOneShot() {
        return true;
      }
    };
  }

  private int totalReceived(String id) {
    int n = 0;
    for (Backend b : backends) {
      n += b.received(id);
    }
    return n;
  }

  private int totalRequests() {
    int n = 0;
    for (Backend b : backends) {
      n += b.requests();
    }
    return n;
  }
}
