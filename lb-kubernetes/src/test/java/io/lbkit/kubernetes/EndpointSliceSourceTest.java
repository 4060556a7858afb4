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
package io.lbkit.kubernetes;

import static io.lbkit.kubernetes.Slices.apply;
import static io.lbkit.kubernetes.Slices.await;
import static io.lbkit.kubernetes.Slices.endpoint;
import static io.lbkit.kubernetes.Slices.port;
import static io.lbkit.kubernetes.Slices.ready;
import static io.lbkit.kubernetes.Slices.readyRange;
import static io.lbkit.kubernetes.Slices.settle;
import static io.lbkit.kubernetes.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.lbkit.core.DiscoveryBinding;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The source against the Kubernetes API server mock in CRUD mode: slices are created, changed and
 * deleted through the API while a balancer follows them, as it would in a cluster.
 */
@EnableKubernetesMockClient(crud = true)
class EndpointSliceSourceTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @SuppressWarnings("NullAway.Init") // set by the mock server's extension
  static KubernetesClient client;

  private static LoadBalancer balancer(String name) {
    return LoadBalancer.builder().name(name).selector(Selectors.roundRobin()).build();
  }

  private static Set<String> ids(LoadBalancer balancer) {
    return balancer.servers().stream().map(Server::id).collect(Collectors.toSet());
  }

  private static void awaitIds(LoadBalancer balancer, Set<String> expected) {
    await(
        () -> "servers " + ids(balancer) + ", expected " + expected,
        WAIT,
        () -> ids(balancer).equals(expected));
  }

  private static Set<String> range(String prefix, int count, int port) {
    return readyRange(prefix, count).stream()
        .map(e -> e.getAddresses().get(0) + ":" + port)
        .collect(Collectors.toSet());
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).collect(Collectors.toSet());
  }

  @Test
  void everySliceOfTheServiceIsMergedAsItScalesAcrossSlices() throws Exception {
    apply(client, slice("orders-a", "orders", readyRange("10.1.0", 100)));
    apply(client, slice("payments-a", "payments", readyRange("10.9.0", 5))); // another service
    try (LoadBalancer balancer = balancer("orders");
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                balancer,
                EndpointSliceSource.builder("orders")
                    .namespace(Slices.NS)
                    .portName("http")
                    .client(client)
                    .build())) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      awaitIds(balancer, range("10.1.0", 100, 8080));

      // Scale-up past 100: the controller opens a second slice; both count.
      apply(client, slice("orders-b", "orders", readyRange("10.1.1", 60)));
      awaitIds(balancer, union(range("10.1.0", 100, 8080), range("10.1.1", 60, 8080)));
      assertThat(balancer.servers()).hasSize(160);

      // A change in the first slice (the one not modified last) is seen too.
      apply(client, slice("orders-a", "orders", readyRange("10.1.0", 99)));
      awaitIds(balancer, union(range("10.1.0", 99, 8080), range("10.1.1", 60, 8080)));

      // Deleting a slice removes its endpoints only.
      Slices.delete(client, "orders-a");
      awaitIds(balancer, range("10.1.1", 60, 8080));
      await(
          () -> "60 servers in " + discovery.status(),
          WAIT,
          () -> discovery.status().isHealthy() && discovery.status().serverCount() == 60);
      settle(client, "orders-b", discovery);
    }
  }

  @Test
  void conditionsBecomeHealthAndFollowTheirChanges() throws Exception {
    apply(
        client,
        slice(
            "cart-a",
            "cart",
            List.of(
                endpoint("10.2.0.1", true, true, false, null), // running
                endpoint("10.2.0.2", false, true, true, null), // shutting down, still serving
                endpoint("10.2.0.3", false, false, false, null), // starting
                endpoint("10.2.0.4", null, null, null, null), // conditions unknown: ready
                endpoint("10.2.0.5", false, false, true, null)))); // shutting down, done
    try (LoadBalancer balancer = balancer("cart");
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                balancer,
                EndpointSliceSource.builder("cart").namespace(Slices.NS).client(client).build())) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      awaitHealth(balancer, "10.2.0.1:8080", HealthState.HEALTHY);
      awaitHealth(balancer, "10.2.0.2:8080", HealthState.DRAINING);
      awaitHealth(balancer, "10.2.0.3:8080", HealthState.UNHEALTHY);
      awaitHealth(balancer, "10.2.0.4:8080", HealthState.HEALTHY);
      awaitHealth(balancer, "10.2.0.5:8080", HealthState.DRAINING);
      for (int i = 0; i < 20; i++) {
        try (var pick = balancer.pick()) {
          assertThat(pick.server().id()).isIn("10.2.0.1:8080", "10.2.0.4:8080");
        }
      }

      // The running pod starts shutting down; the starting one becomes ready.
      apply(
          client,
          slice(
              "cart-a",
              "cart",
              List.of(
                  endpoint("10.2.0.1", false, true, true, null),
                  endpoint("10.2.0.2", false, true, true, null),
                  endpoint("10.2.0.3", true, true, false, null),
                  endpoint("10.2.0.4", null, null, null, null),
                  endpoint("10.2.0.5", false, false, true, null))));
      awaitHealth(balancer, "10.2.0.1:8080", HealthState.DRAINING);
      awaitHealth(balancer, "10.2.0.3:8080", HealthState.HEALTHY);
      assertThat(balancer.health("10.2.0.2:8080")).contains(HealthState.DRAINING);
      settle(client, "cart-a", discovery);
    }
  }

  @Test
  void portsByNameOrNumberZonesAndIpv6() throws Exception {
    apply(
        client,
        slice(
            "search-v4",
            "search",
            "IPv4",
            List.of(port("http", 8080), port("grpc", 9090)),
            List.of(
                endpoint("10.3.0.1", true, true, false, "eu-west-1a"),
                endpoint("10.3.0.2", true, true, false, "eu-west-1b"))));
    apply(
        client,
        slice(
            "search-v6",
            "search",
            "IPv6",
            List.of(port("http", 8080), port("grpc", 9090)),
            List.of(endpoint("fd00::3:1", true, true, false, "eu-west-1a"))));
    try (LoadBalancer grpc = balancer("search-grpc");
        LoadBalancer v6 = balancer("search-v6");
        DiscoveryBinding byName =
            DiscoveryBinding.start(
                grpc,
                EndpointSliceSource.builder("search")
                    .namespace(Slices.NS)
                    .portName("grpc")
                    .addressTypes("IPv4")
                    .client(client)
                    .build());
        DiscoveryBinding byNumber =
            DiscoveryBinding.start(
                v6,
                EndpointSliceSource.builder("search")
                    .namespace(Slices.NS)
                    .port(8080)
                    .addressTypes("ipv6")
                    .client(client)
                    .build())) {
      awaitIds(grpc, Set.of("10.3.0.1:9090", "10.3.0.2:9090"));
      awaitIds(v6, Set.of("[fd00::3:1]:8080"));
      assertThat(grpc.server("10.3.0.1:9090").flatMap(Server::zone)).contains("eu-west-1a");
      assertThat(grpc.server("10.3.0.2:9090").flatMap(Server::zone)).contains("eu-west-1b");
      Server s = grpc.server("10.3.0.1:9090").orElseThrow();
      assertThat(s.metadata())
          .containsEntry(EndpointSliceSource.POD_METADATA, "pod-10-3-0-1")
          .containsEntry(EndpointSliceSource.NODE_METADATA, "node-1");
      assertThat(v6.server("[fd00::3:1]:8080").orElseThrow().host()).isEqualTo("fd00::3:1");

      // A pod moved to another zone: the server's zone follows, its identity stays.
      apply(
          client,
          slice(
              "search-v4",
              "search",
              "IPv4",
              List.of(port("http", 8080), port("grpc", 9090)),
              List.of(
                  endpoint("10.3.0.1", true, true, false, "eu-west-1c"),
                  endpoint("10.3.0.2", true, true, false, "eu-west-1b"))));
      await(
          () -> "zone of 10.3.0.1: " + grpc.server("10.3.0.1:9090"),
          WAIT,
          () ->
              grpc.server("10.3.0.1:9090").flatMap(Server::zone).equals(Optional.of("eu-west-1c")));
      assertThat(byName.status().isHealthy()).isTrue();
      assertThat(byNumber.status().isHealthy()).isTrue();
      settle(client, "search-v4", byName, byNumber);
    }
  }

  @Test
  void aWrongPortNameIsAFailureThatKeepsTheLastListAndSaysWhy() throws Exception {
    apply(client, slice("stock-a", "stock", readyRange("10.4.0", 3)));
    try (LoadBalancer balancer = balancer("stock");
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                balancer,
                EndpointSliceSource.builder("stock")
                    .namespace(Slices.NS)
                    .portName("grpc")
                    .client(client)
                    .build())) {
      await(
          () -> "a failure in " + discovery.status(),
          WAIT,
          () -> discovery.status().consecutiveFailures() > 0);
      assertThat(discovery.status().lastError().orElseThrow())
          .hasMessageContaining("'grpc'")
          .hasMessageContaining("http=8080");
      assertThat(balancer.servers()).isEmpty();

      // The service gets the port: the servers come.
      apply(
          client,
          slice(
              "stock-a",
              "stock",
              "IPv4",
              List.of(port("http", 8080), port("grpc", 9090)),
              readyRange("10.4.0", 3)));
      awaitIds(balancer, range("10.4.0", 3, 9090));
      assertThat(discovery.status().isHealthy()).isTrue();

      // The port goes away again: the failure shows, the last list stays.
      apply(client, slice("stock-a", "stock", readyRange("10.4.0", 1)));
      await(
          () -> "a failure in " + discovery.status(),
          WAIT,
          () -> discovery.status().consecutiveFailures() > 0);
      assertThat(ids(balancer)).isEqualTo(range("10.4.0", 3, 9090));
      settle(client, "stock-a", discovery);
    }
  }

  @Test
  void aServiceWithNoSliceIsReportedNotTakenAsEmpty() throws Exception {
    try (LoadBalancer balancer = balancer("ghost");
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                balancer,
                EndpointSliceSource.builder("ghost").namespace(Slices.NS).client(client).build())) {
      await(
          () -> "a failure in " + discovery.status(),
          WAIT,
          () -> discovery.status().consecutiveFailures() > 0);
      assertThat(discovery.status().lastError().orElseThrow())
          .hasMessageContaining("no EndpointSlice of service shop/ghost");
      apply(client, slice("ghost-a", "ghost", readyRange("10.5.0", 2)));
      awaitIds(balancer, range("10.5.0", 2, 8080));
      settle(client, "ghost-a", discovery);
    }
  }

  @Test
  void anEndpointListedByTwoSlicesCountsOnceWithItsBestHealth() throws Exception {
    apply(client, slice("dup-a", "dup", List.of(endpoint("10.6.0.1", false, false, false, null))));
    apply(client, slice("dup-b", "dup", List.of(ready("10.6.0.1"), ready("10.6.0.2"))));
    try (LoadBalancer balancer = balancer("dup");
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                balancer,
                EndpointSliceSource.builder("dup").namespace(Slices.NS).client(client).build())) {
      awaitIds(balancer, Set.of("10.6.0.1:8080", "10.6.0.2:8080"));
      assertThat(balancer.health("10.6.0.1:8080")).contains(HealthState.HEALTHY);
      assertThat(discovery.status().isHealthy()).isTrue();
      settle(client, "dup-b", discovery);
    }
  }

  @Test
  void closeStopsTheWatchAndItsThread() throws Exception {
    apply(client, slice("quit-a", "quit", readyRange("10.7.0", 2)));
    EndpointSliceSource source =
        EndpointSliceSource.builder("quit").namespace(Slices.NS).client(client).build();
    assertThat(threads(source)).isEmpty();
    try (LoadBalancer balancer = balancer("quit")) {
      DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source);
      awaitIds(balancer, range("10.7.0", 2, 8080));
      assertThat(threads(source)).hasSize(1);
      settle(client, "quit-a", discovery);
      discovery.close();
      await(() -> "threads " + threads(source), WAIT, () -> threads(source).isEmpty());

      // Changes after close no longer reach the balancer; a new registration sees them.
      apply(client, slice("quit-a", "quit", readyRange("10.7.0", 3)));
      try (LoadBalancer other = balancer("quit-2");
          DiscoveryBinding again = DiscoveryBinding.start(other, source)) {
        awaitIds(other, range("10.7.0", 3, 8080));
        await(
            () -> "3 servers in " + again.status(),
            WAIT,
            () -> again.status().isHealthy() && again.status().serverCount() == 3);
        settle(client, "quit-a", again);
      }
      assertThat(ids(balancer)).isEqualTo(range("10.7.0", 2, 8080));
    }
  }

  private static List<Thread> threads(EndpointSliceSource source) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("lbkit-discovery-" + source.name()) && t.isAlive())
        .collect(Collectors.toList());
  }

  private static void awaitHealth(LoadBalancer balancer, String id, HealthState expected) {
    await(
        () -> id + " is " + health(balancer, id) + ", expected " + expected,
        WAIT,
        () -> expected == health(balancer, id));
  }

  private static @Nullable HealthState health(LoadBalancer balancer, String id) {
    return balancer.health(id).orElse(null);
  }
}
