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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hash keys from a header or a cookie keep a session on one server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StickySessionTest {
  private final List<Backend> backends = new ArrayList<>();

  @AfterEach
  void tearDown() {
    backends.forEach(Backend::close);
  }

  @Test
  void sameHeaderValueSameServer() throws Exception {
    run(LoadBalancingInterceptor.builder().hashKeyHeader("X-Session"), true);
  }

  @Test
  void sameCookieValueSameServer() throws Exception {
    run(LoadBalancingInterceptor.builder().hashKeyCookie("SESSION"), false);
  }

  @Test
  void retriesOfOneSessionAgreeOnTheServerTheyFailOverTo() throws Exception {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Backend b = Backend.start("s" + i);
      backends.add(b);
      servers.add(b.server());
    }
    try (LoadBalancer balancer =
        LoadBalancer.builder().selector(Selectors.ringHash()).servers(servers).build()) {
      OkHttpClient client =
          TestClients.builder(
                  LoadBalancingInterceptor.builder()
                      .hashKeyHeader("X-Session")
                      .service("inventory", balancer)
                      .build())
              .build();
      Request request =
          new Request.Builder().url("http://inventory/cart").header("X-Session", "alice").build();
      client.newCall(request).execute().close();
      Backend home = backends.stream().filter(b -> b.requests() == 1).findFirst().orElseThrow();
      home.behave(Backend.status(503)); // the session's server answers 503: GETs fail over

      for (int i = 0; i < 10; i++) {
        try (Response r = client.newCall(request).execute()) {
          assertThat(r.code()).isEqualTo(200);
        }
      }

      // Every retry went to one and the same other server.
      assertThat(home.requests()).isEqualTo(11);
      assertThat(backends)
          .filteredOn(b -> b != home)
          .extracting(Backend::requests)
          .containsExactlyInAnyOrder(10, 0, 0);
      TestClients.shutdown(client);
    }
  }

  private void run(LoadBalancingInterceptor.Builder builder, boolean header) throws Exception {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Backend b = Backend.start("s" + i);
      backends.add(b);
      servers.add(b.server());
    }
    try (LoadBalancer balancer =
        LoadBalancer.builder().selector(Selectors.ringHash()).servers(servers).build()) {
      OkHttpClient client =
          TestClients.builder(builder.service("inventory", balancer).build()).build();

      for (int round = 0; round < 5; round++) {
        for (int session = 0; session < 20; session++) {
          String key = "session-" + session;
          Request.Builder request =
              new Request.Builder().url("http://inventory/cart").header("X-Request-Id", key);
          if (header) {
            request.header("X-Session", key);
          } else {
            request.header("Cookie", "theme=dark; SESSION=" + key + "; lang=en");
          }
          try (Response r = client.newCall(request.build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
          }
        }
      }

      // Each session's five requests all went to one server, and the sessions were spread.
      int serversUsed = 0;
      for (int session = 0; session < 20; session++) {
        String key = "session-" + session;
        int holders = 0;
        for (Backend b : backends) {
          int n = b.received(key);
          assertThat(n).as("%s at %s", key, b.id).isIn(0, 5);
          holders += n == 5 ? 1 : 0;
        }
        assertThat(holders).as(key).isEqualTo(1);
      }
      for (Backend b : backends) {
        serversUsed += b.requests() > 0 ? 1 : 0;
      }
      assertThat(serversUsed).isGreaterThan(1);
      TestClients.shutdown(client);
    }
  }
}
