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
package io.lbkit.core;

import static io.lbkit.core.LiveServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DNS discovery against a real DNS server (dnsmasq on loopback) whose records change during the
 * test: a balancer's servers follow A, AAAA and SRV records, a failed look-up keeps the last good
 * list and shows in the status, and backoff brings the servers back after the DNS server returns.
 */
class DnsDiscoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final LoadBalancer balancer =
      LoadBalancer.builder().name("svc").selector(Selectors.roundRobin()).build();
  private Dnsmasq dns;

  @BeforeEach
  void startDns() throws Exception {
    dns =
        Dnsmasq.start(
            "host-record=svc.test,127.0.0.1,::1",
            "host-record=a.test,127.0.0.1",
            "host-record=b.test,127.0.0.2",
            "host-record=c.test,127.0.0.3",
            "srv-host=_http._tcp.svc.test,a.test,8001,0,10",
            "srv-host=_http._tcp.svc.test,b.test,8002,0,20",
            "srv-host=_http._tcp.svc.test,c.test,8003,1,5");
  }

  @AfterEach
  void stopDns() throws Exception {
    balancer.close();
    dns.close();
  }

  @Test
  void aAndAaaaRecordsAddAndRemoveServers() throws Exception {
    DnsServerSource source =
        DnsServerSource.forHost("svc.test", 8080)
            .dnsServer(dns.address())
            .refreshInterval(Duration.ofMillis(100))
            .zone("z1")
            .build();
    try (DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source)) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      assertThat(ids()).containsExactlyInAnyOrder("127.0.0.1:8080", "[::1]:8080");
      Server v4 = balancer.server("127.0.0.1:8080").orElseThrow();
      assertThat(v4.zone()).contains("z1");
      assertThat(v4.metadata()).containsEntry(DnsServerSource.NAME_METADATA, "svc.test");
      assertThat(discovery.status().serverCount()).isEqualTo(2);
      assertThat(discovery.status().isHealthy()).isTrue();

      // One A record more, the AAAA record gone.
      dns.restart("host-record=svc.test,127.0.0.1", "host-record=svc.test,127.0.0.2");
      await(
          () -> "servers " + ids(),
          WAIT,
          () -> ids().equals(Set.of("127.0.0.1:8080", "127.0.0.2:8080")));

      // And one removed again.
      dns.restart("host-record=svc.test,127.0.0.2");
      await(() -> "servers " + ids(), WAIT, () -> ids().equals(Set.of("127.0.0.2:8080")));
      await(
          () -> "status " + discovery.status(),
          WAIT,
          () -> discovery.status().serverCount() == 1 && discovery.status().isHealthy());
    }
  }

  @Test
  void srvRecordsOfTheLowestPriorityWithTheirWeightsAndPorts() throws Exception {
    DnsServerSource source =
        DnsServerSource.forSrv("_http._tcp.svc.test")
            .dnsServer(dns.address())
            .refreshInterval(Duration.ofMillis(100))
            .build();
    try (DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source)) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      // c.test has priority 1: a backup, not used while priority 0 has records.
      assertThat(weights()).isEqualTo(Map.of("127.0.0.1:8001", 10.0, "127.0.0.2:8002", 20.0));

      // a.test leaves; c.test moves to priority 0 with weight 0 (still gets calls: weight 1); b's
      // weight changes.
      dns.restart(
          "host-record=b.test,127.0.0.2",
          "host-record=c.test,127.0.0.3",
          "srv-host=_http._tcp.svc.test,b.test,8002,0,30",
          "srv-host=_http._tcp.svc.test,c.test,8003,0,0");
      await(
          () -> "servers " + weights(),
          WAIT,
          () -> weights().equals(Map.of("127.0.0.2:8002", 30.0, "127.0.0.3:8003", 1.0)));

      // Only the backup left: it is used.
      dns.restart("host-record=c.test,127.0.0.3", "srv-host=_http._tcp.svc.test,c.test,8003,1,5");
      await(
          () -> "servers " + weights(),
          WAIT,
          () -> weights().equals(Map.of("127.0.0.3:8003", 5.0)));

      // "Not offered here" (target "."): no usable record is a failure, the last list stays.
      int failuresBefore = discovery.status().consecutiveFailures();
      dns.restart("srv-host=_http._tcp.svc.test");
      await(
          () -> "status " + discovery.status(),
          WAIT,
          () -> discovery.status().consecutiveFailures() > failuresBefore);
      assertThat(discovery.status().lastError().orElseThrow())
          .hasMessageContaining("no usable SRV record for _http._tcp.svc.test");
      assertThat(weights()).isEqualTo(Map.of("127.0.0.3:8003", 5.0));
    }
  }

  @Test
  void aFailedLookupKeepsTheLastGoodListAndBackoffRecovers() throws Exception {
    // Refreshes an hour apart: every look-up after the first failure here is a backoff retry.
    DnsServerSource source =
        DnsServerSource.forSrv("_http._tcp.svc.test")
            .dnsServer(dns.address())
            .refreshInterval(Duration.ofHours(1))
            .initialBackoff(Duration.ofMillis(20))
            .lookupTimeout(Duration.ofMillis(700))
            .build();
    try (DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source)) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      Instant firstSuccess = discovery.status().lastSuccess().orElseThrow();
      Set<String> before = ids();
      assertThat(before).containsExactlyInAnyOrder("127.0.0.1:8001", "127.0.0.2:8002");

      dns.stop();
      discovery.refresh(); // as an adapter does when a connection fails
      // Retries follow each other with backoff, long before the refresh interval.
      await(
          () -> "status " + discovery.status(),
          WAIT,
          () -> discovery.status().consecutiveFailures() >= 3);
      DiscoveryStatus failing = discovery.status();
      assertThat(failing.isHealthy()).isFalse();
      assertThat(failing.lastError()).isPresent();
      assertThat(failing.lastErrorTime()).isPresent();
      assertThat(failing.lastSuccess()).contains(firstSuccess);
      assertThat(failing.serverCount()).isEqualTo(2);
      assertThat(ids()).isEqualTo(before);

      dns.restart("host-record=b.test,127.0.0.2", "srv-host=_http._tcp.svc.test,b.test,8002,0,20");
      await(() -> "servers " + ids(), WAIT, () -> ids().equals(Set.of("127.0.0.2:8002")));
      DiscoveryStatus recovered = discovery.status();
      assertThat(recovered.isHealthy()).isTrue();
      assertThat(recovered.consecutiveFailures()).isZero();
      assertThat(recovered.serverCount()).isEqualTo(1);
      assertThat(recovered.lastSuccess().orElseThrow()).isAfter(firstSuccess);
      assertThat(recovered.lastError()).isPresent(); // history: the last failure stays visible
    }
  }

  @Test
  void aNameThatNeverResolvesLeavesTheBalancerEmptyAndSaysWhy() throws Exception {
    DnsServerSource source =
        DnsServerSource.forHost("missing.test", 80)
            .dnsServer(dns.address())
            .initialBackoff(Duration.ofMillis(20))
            .build();
    try (DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source)) {
      await(
          () -> "status " + discovery.status(),
          WAIT,
          () -> discovery.status().consecutiveFailures() >= 2);
      assertThat(discovery.status().lastSuccess()).isEmpty();
      assertThat(discovery.status().toString()).contains("missing.test:80", "unhealthy");
      assertThat(balancer.servers()).isEmpty();
      assertThat(discovery.awaitServers(Duration.ZERO)).isFalse();
    }
  }

  private Set<String> ids() {
    return balancer.servers().stream().map(Server::id).collect(Collectors.toSet());
  }

  private Map<String, Double> weights() {
    return balancer.servers().stream()
        .collect(Collectors.toMap(Server::id, Server::weight, (a, b) -> a, TreeMap::new));
  }
}
