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
import static org.assertj.core.api.Assertions.fail;

import io.lbkit.core.DiscoveryBinding;
import io.lbkit.core.DnsServerSource;
import io.lbkit.core.Dnsmasq;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * What a consumer project does: an OkHttp client balanced over the SRV records of a real DNS server
 * (dnsmasq on loopback), whose set of servers changes while the client sends requests.
 */
class SrvDiscoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void anOkHttpClientFollowsTheSrvRecordsOfARealDnsServer() throws Exception {
    try (Backend a = Backend.start("a");
        Backend b = Backend.start("b");
        Backend c = Backend.start("c");
        Dnsmasq dns =
            Dnsmasq.start(
                "host-record=backend.test,127.0.0.1",
                "srv-host=_http._tcp.inventory.test,backend.test," + a.port() + ",0,10",
                "srv-host=_http._tcp.inventory.test,backend.test," + b.port() + ",0,10",
                // A backup: not used while priority 0 has records.
                "srv-host=_http._tcp.inventory.test,backend.test," + c.port() + ",1,10");
        LoadBalancer inventory =
            LoadBalancer.builder().name("inventory").selector(Selectors.roundRobin()).build();
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                inventory,
                DnsServerSource.forSrv("_http._tcp.inventory.test")
                    .dnsServer(dns.address())
                    .refreshInterval(Duration.ofMillis(100))
                    .build())) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      OkHttpClient client =
          TestClients.builder(
                  LoadBalancingInterceptor.builder().service("inventory", inventory).build())
              .build();
      try {
        for (int i = 0; i < 20; i++) {
          get(client);
        }
        assertThat(a.requests()).isEqualTo(10);
        assertThat(b.requests()).isEqualTo(10);
        assertThat(c.requests()).isZero();

        // The service moves: a leaves, c joins the preferred priority. Requests keep flowing
        // (and succeeding) while the client learns of it.
        dns.restart(
            "host-record=backend.test,127.0.0.1",
            "srv-host=_http._tcp.inventory.test,backend.test," + b.port() + ",0,10",
            "srv-host=_http._tcp.inventory.test,backend.test," + c.port() + ",0,10");
        Set<Integer> moved = Set.of(b.port(), c.port());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!ports(inventory).equals(moved)) {
          if (System.nanoTime() > deadline) {
            fail("the client did not follow the SRV records within %s: %s", WAIT, discovery);
          }
          get(client);
        }
        int aBefore = a.requests();
        int bBefore = b.requests();
        int cBefore = c.requests();
        for (int i = 0; i < 20; i++) {
          get(client);
        }
        assertThat(a.requests()).isEqualTo(aBefore);
        assertThat(b.requests() - bBefore).isEqualTo(10);
        assertThat(c.requests() - cBefore).isEqualTo(10);
        assertThat(discovery.status().serverCount()).isEqualTo(2);
        assertThat(discovery.status().isHealthy()).isTrue();
      } finally {
        TestClients.shutdown(client);
      }
    }
  }

  private static void get(OkHttpClient client) throws Exception {
    try (Response response =
        client.newCall(new Request.Builder().url("http://inventory/items").build()).execute()) {
      assertThat(response.code()).isEqualTo(200);
    }
  }

  private static Set<Integer> ports(LoadBalancer balancer) {
    return balancer.servers().stream().map(Server::port).collect(Collectors.toSet());
  }
}
