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

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a {@link RetryListener} hears from real calls, and that a failing one breaks no call. */
class RetryListenerTest {
  private final Backend unavailable = Backend.startUnchecked("unavailable");
  private final Backend down = Backend.startUnchecked("down");
  private final Backend good = Backend.startUnchecked("good");
  private final List<String> events = new CopyOnWriteArrayList<>();
  private LoadBalancer balancer = LoadBalancer.builder().selector(Selectors.random()).build();

  @AfterEach
  void close() {
    balancer.close();
    unavailable.close();
    down.close();
    good.close();
  }

  private OkHttpClient client(RetryListener listener, Server... servers) {
    balancer.close();
    balancer =
        LoadBalancer.builder()
            .name("inventory")
            .selector(Selectors.roundRobin())
            .servers(servers)
            .build();
    return TestClients.builder(
            LoadBalancingInterceptor.builder()
                .service("inventory", balancer)
                .maxAttempts(3)
                .retryBudget(RetryBudget.of(1.0, 100))
                .retryListener(listener)
                .build())
        .build();
  }

  private static String get(OkHttpClient client) throws Exception {
    try (Response r =
        client.newCall(new Request.Builder().url("http://inventory/items").build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  @Test
  void hearsEachRetryAndFailoverWithTheServerThatFailed() throws Exception {
    unavailable.behave(Backend.status(503));
    down.shutdown();
    RetryListener recorder =
        new RetryListener() {
          @Override
          public void onRetry(LoadBalancer lb, Server failed, int statusCode) {
            events.add(lb.name() + " retry " + failed.id() + " " + statusCode);
          }

          @Override
          public void onFailover(LoadBalancer lb, Server failed, Outcome outcome) {
            events.add(lb.name() + " failover " + failed.id() + " " + outcome);
          }
        };
    OkHttpClient client = client(recorder, unavailable.server(), down.server(), good.server());
    for (int i = 0; i < 6; i++) {
      assertThat(get(client)).isEqualTo("200 ok");
    }
    long retries = events.stream().filter(e -> e.equals("inventory retry unavailable 503")).count();
    long failovers =
        events.stream().filter(e -> e.equals("inventory failover down CONNECT_FAILURE")).count();
    assertThat(retries).isEqualTo(unavailable.requests());
    assertThat(failovers).isPositive();
    assertThat(retries + failovers).isEqualTo(events.size());
    TestClients.shutdown(client);
  }

  @Test
  void aFailingListenerBreaksNoCall() throws Exception {
    unavailable.behave(Backend.status(503));
    RetryListener failing =
        new RetryListener() {
          @Override
          public void onRetry(LoadBalancer lb, Server failed, int statusCode) {
            throw new IllegalStateException("broken listener");
          }
        };
    OkHttpClient client = client(failing, unavailable.server(), good.server());
    for (int i = 0; i < 4; i++) {
      assertThat(get(client)).isEqualTo("200 ok");
    }
    assertThat(unavailable.requests()).isPositive();
    TestClients.shutdown(client);
  }

  @Test
  void aSecondListenerIsRejected() {
    LoadBalancingInterceptor.Builder b =
        LoadBalancingInterceptor.builder().retryListener(new RetryListener() {});
    assertThatThrownBy(() -> b.retryListener(new RetryListener() {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("retryListener was already set");
  }
}
