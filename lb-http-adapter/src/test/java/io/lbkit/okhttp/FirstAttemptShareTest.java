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
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A failover pick must not move the state that first attempts follow: with one server refusing
 * connections, first attempts still split evenly, and failover (within its budget) hides the dead
 * server from every caller.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FirstAttemptShareTest {
  private static final int REQUESTS = 200;

  private final Backend live = Backend.startUnchecked("live");
  private final Backend dead = Backend.startUnchecked("dead");
  private @Nullable LoadBalancer balancer;
  private @Nullable OkHttpClient client;

  @AfterEach
  void tearDown() {
    if (client != null) {
      TestClients.shutdown(client);
    }
    if (balancer != null) {
      balancer.close();
    }
    live.close();
    dead.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"roundRobin", "weightedRoundRobin"})
  void failoverPicksDoNotSkewFirstAttempts(String selectorName) throws Exception {
    Selector selector =
        selectorName.equals("roundRobin") ? Selectors.roundRobin() : Selectors.weightedRoundRobin();
    Server deadServer = dead.server();
    dead.shutdown(); // its port now refuses connections
    balancer =
        LoadBalancer.builder()
            .name("inventory")
            .selector(selector)
            .servers(deadServer, live.server())
            .build();
    // Every attempt on the dead server fails to connect exactly once, and it is never tried twice
    // for one request: its connect failures are the first attempts it got.
    AtomicInteger connectFailures = new AtomicInteger();
    client =
        TestClients.builder(
                LoadBalancingInterceptor.builder()
                    .service("inventory", balancer)
                    .maxAttempts(2)
                    .build())
            .eventListenerFactory(
                call -> new ConnectFailureCounter(connectFailures::incrementAndGet))
            .build();

    int failed = 0;
    for (int i = 0; i < REQUESTS; i++) {
      try (Response r =
          client.newCall(new Request.Builder().url("http://inventory/items").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      } catch (LoadBalancingException e) {
        failed++;
      }
    }

    int firstAttemptsOnDead = connectFailures.get();
    int firstAttemptsOnLive = REQUESTS - firstAttemptsOnDead;
    assertThat(firstAttemptsOnDead)
        .as("first attempts on the refusing server (live got %s)", firstAttemptsOnLive)
        .isBetween(REQUESTS * 35 / 100, REQUESTS * 65 / 100);
    // The default budget (20% of requests plus 10 per second over 10 s) covers a retry for about
    // half of the requests: no caller sees the dead server.
    assertThat(failed).as("requests that failed").isZero();
    assertThat(live.requests()).isEqualTo(REQUESTS);
  }

  @Test
  void hintedRequestsDoNotSkewTheRotationOfTheOthers() throws Exception {
    balancer =
        LoadBalancer.builder()
            .name("inventory")
            .selector(Selectors.roundRobin())
            .servers(dead.server(), live.server()) // both up here
            .build();
    client =
        TestClients.builder(
                LoadBalancingInterceptor.builder().service("inventory", balancer).build())
            .build();

    for (int i = 0; i < 100; i++) {
      // Every other request prefers "dead" (pins behave alike): it must not move the rotation.
      Request.Builder request = new Request.Builder().url("http://inventory/items");
      if (i % 2 == 0) {
        request.tag(ServerHint.class, ServerHint.prefer("dead"));
      }
      try (Response r = client.newCall(request.build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }

    // 50 hinted requests on "dead"; round robin splits the 50 others evenly.
    assertThat(dead.requests()).isEqualTo(75);
    assertThat(live.requests()).isEqualTo(25);
  }

  /** Counts failed connection attempts. */
  private static final class ConnectFailureCounter extends EventListener {
    private final Runnable onFailure;

    ConnectFailureCounter(Runnable onFailure) {
      this.onFailure = onFailure;
    }

    @Override
    public void connectFailed(
        Call call,
        InetSocketAddress inetSocketAddress,
        Proxy proxy,
        @Nullable Protocol protocol,
        IOException ioe) {
      onFailure.run();
    }
  }
}
