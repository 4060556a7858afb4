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
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Health checks over OkHttp itself, sharing the application's client. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class OkHttpHealthCheckerTest {
  private final Backend backend = Backend.startUnchecked("s0");
  private final OkHttpClient client = new OkHttpClient();

  @AfterEach
  void tearDown() {
    backend.close();
    TestClients.shutdown(client);
  }

  @Test
  void healthyOn2xxUnhealthyOtherwise() throws Exception {
    OkHttpHealthChecker checker = OkHttpHealthChecker.builder(client).path("/healthz").build();

    assertThat(check(checker, backend.server())).isTrue();
    backend.behave(Backend.status(503));
    assertThat(check(checker, backend.server())).isFalse();

    RecordedRequest seen = backend.mockWebServer().takeRequest();
    assertThat(seen.getMethod()).isEqualTo("GET");
    assertThat(seen.getTarget()).isEqualTo("/healthz");
  }

  @Test
  void customHealthyStatuses() throws Exception {
    OkHttpHealthChecker checker =
        OkHttpHealthChecker.builder(client).healthyStatuses(code -> code == 204).build();
    assertThat(check(checker, backend.server())).isFalse(); // 200 is not 204
  }

  @Test
  void refusedConnectionFailsTheCheck() throws Exception {
    OkHttpHealthChecker checker = OkHttpHealthChecker.builder(client).build();
    Server server = backend.server();
    backend.shutdown();

    assertThat(checker.check(server, Duration.ofSeconds(1)))
        .failsWithin(3, TimeUnit.SECONDS)
        .withThrowableThat()
        .withCauseInstanceOf(java.net.ConnectException.class);
  }

  @Test
  void timedOutCheckIsCancelled() throws Exception {
    backend.behave(backend.hang());
    OkHttpHealthChecker checker = OkHttpHealthChecker.builder(client).build();

    CompletableFuture<Boolean> result = checker.check(backend.server(), Duration.ofMillis(200));

    // The call timeout (the check's timeout) ends it: the balancer sees a failed check.
    assertThat(result).failsWithin(3, TimeUnit.SECONDS);
  }

  @Test
  void checksAreNotRoutedByALoadBalancingInterceptorOnTheSameClient() throws Exception {
    try (Backend other = Backend.start("other");
        LoadBalancer lb =
            LoadBalancer.builder()
                .selector(Selectors.roundRobin())
                .servers(other.server())
                .build()) {
      OkHttpClient withInterceptor =
          client
              .newBuilder()
              .addInterceptor(LoadBalancingInterceptor.builder().service("inventory", lb).build())
              .build();
      OkHttpHealthChecker checker =
          OkHttpHealthChecker.builder(withInterceptor).logicalHost("inventory").build();

      // The check for s0 goes to s0, although "inventory" is a service of the client's interceptor.
      assertThat(check(checker, backend.server())).isTrue();
      assertThat(backend.requests()).isEqualTo(1);
      assertThat(other.requests()).isZero();
      assertThat(backend.mockWebServer().takeRequest().getHeaders().get("Host"))
          .isEqualTo("inventory:" + backend.port());
    }
  }

  private static boolean check(OkHttpHealthChecker checker, Server server) throws Exception {
    return checker.check(server, Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
  }
}
