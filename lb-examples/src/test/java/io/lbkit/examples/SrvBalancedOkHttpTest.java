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
package io.lbkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.lbkit.core.DiscoveryBinding;
import io.lbkit.core.DnsServerSource;
import io.lbkit.core.Dnsmasq;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import io.lbkit.okhttp.LoadBalancingInterceptor;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * A consumer of the BOM that adds lb-core and lb-http-adapter, and nothing else of lbkit, balances
 * an OkHttp client over the SRV records of a real DNS server (dnsmasq on loopback) whose records
 * change while the client sends requests: a server added to the records starts getting requests,
 * one removed stops. Only lb-core's and the OkHttp adapter's API is used, as the application would.
 */
class SrvBalancedOkHttpTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SRV = "_http._tcp.inventory.test";

  private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();

  @Test
  void anOkHttpClientFollowsTheSrvRecordsOfARealDnsServer() throws Exception {
    HttpServer a = backend("a");
    HttpServer b = backend("b");
    HttpServer c = backend("c");
    try (Dnsmasq dns =
            Dnsmasq.start(
                "host-record=backend.test,127.0.0.1",
                srv(a, 0),
                srv(b, 0),
                srv(c, 1)); // a backup: unused while priority 0 has records
        LoadBalancer inventory =
            LoadBalancer.builder().name("inventory").selector(Selectors.roundRobin()).build();
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                inventory,
                DnsServerSource.forSrv(SRV)
                    .dnsServer(dns.address())
                    .refreshInterval(Duration.ofMillis(100))
                    .build())) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      OkHttpClient client =
          new OkHttpClient.Builder()
              .addInterceptor(
                  LoadBalancingInterceptor.builder().service("inventory", inventory).build())
              .callTimeout(Duration.ofSeconds(10))
              .build();
      try {
        for (int i = 0; i < 20; i++) {
          get(client);
        }
        assertThat(counts()).isEqualTo(Map.of("a", 10, "b", 10));

        // a leaves the records; c joins the preferred priority. Requests keep succeeding while
        // the client learns of it.
        dns.restart("host-record=backend.test,127.0.0.1", srv(b, 0), srv(c, 0));
        Set<Integer> moved = Set.of(port(b), port(c));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!ports(inventory).equals(moved)) {
          if (System.nanoTime() > deadline) {
            fail("the client did not follow the SRV records within %s: %s", WAIT, discovery);
          }
          get(client);
        }
        served.clear();
        for (int i = 0; i < 20; i++) {
          get(client);
        }
        assertThat(counts()).isEqualTo(Map.of("b", 10, "c", 10));
        assertThat(discovery.status().isHealthy()).isTrue();
      } finally {
        client.dispatcher().executorService().shutdownNow();
        client.connectionPool().evictAll();
      }
    } finally {
      a.stop(0);
      b.stop(0);
      c.stop(0);
    }
  }

  /** An HTTP server on loopback that answers every request with its name and counts them. */
  private HttpServer backend(String name) throws IOException {
    HttpServer server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          served.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
          byte[] body = name.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return server;
  }

  private static String srv(HttpServer server, int priority) {
    return "srv-host=" + SRV + ",backend.test," + port(server) + "," + priority + ",10";
  }

  private static int port(HttpServer server) {
    return server.getAddress().getPort();
  }

  private Map<String, Integer> counts() {
    return served.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
  }

  private static void get(OkHttpClient client) throws IOException {
    try (Response response =
        client.newCall(new Request.Builder().url("http://inventory/items").build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
  }

  private static Set<Integer> ports(LoadBalancer balancer) {
    return balancer.servers().stream().map(Server::port).collect(Collectors.toSet());
  }
}
