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
import static io.lbkit.kubernetes.Slices.readyRange;
import static io.lbkit.kubernetes.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.lbkit.core.DiscoveryBinding;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The API server goes away and comes back on the same address: the binding reports the broken
 * watch, keeps its servers, and takes the new list once the watch has reconnected. The source is
 * built without a client, as in a pod: it configures its own from the environment.
 */
class ApiServerOutageTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static KubernetesMockServer crudServer(InetAddress address, int port) {
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init(address, port);
    return server;
  }

  private static Set<String> ids(LoadBalancer balancer) {
    return balancer.servers().stream().map(Server::id).collect(Collectors.toSet());
  }

  @Test
  void aBrokenWatchIsReportedAndRecoversWhenTheApiServerIsBack() throws Exception {
    InetAddress loopback = InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    KubernetesMockServer first = crudServer(loopback, 0);
    int port = first.getPort();
    String url = "http://127.0.0.1:" + port;
    Config config =
        new ConfigBuilder(Config.empty()).withMasterUrl(url).withNamespace(Slices.NS).build();
    KubernetesMockServer second = null;
    Map<String, @Nullable String> saved = new HashMap<>();
    try (KubernetesClient admin = new KubernetesClientBuilder().withConfig(config).build()) {
      apply(admin, slice("users-a", "users", readyRange("10.8.0", 3)));
      // The source configures its client as in a pod; here the environment points at the mock.
      setProperty(saved, Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, url);
      setProperty(saved, Config.KUBERNETES_NAMESPACE_SYSTEM_PROPERTY, Slices.NS);
      setProperty(saved, Config.KUBERNETES_AUTH_TRYKUBECONFIG_SYSTEM_PROPERTY, "false");
      setProperty(saved, Config.KUBERNETES_AUTH_TRYSERVICEACCOUNT_SYSTEM_PROPERTY, "false");
      EndpointSliceSource source = EndpointSliceSource.builder("users").portName("http").build();
      assertThat(source.namespace()).isEqualTo(Slices.NS);
      restore(saved);
      try (LoadBalancer balancer =
              LoadBalancer.builder().name("users").selector(Selectors.roundRobin()).build();
          DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source)) {
        Set<String> three = Set.of("10.8.0.1:8080", "10.8.0.2:8080", "10.8.0.3:8080");
        await(() -> "servers " + ids(balancer), WAIT, () -> ids(balancer).equals(three));

        first.destroy();
        await(
            () -> "a failure in " + discovery.status(),
            WAIT,
            () -> discovery.status().consecutiveFailures() > 0);
        assertThat(ids(balancer)).isEqualTo(three); // the last good list stays

        // Back on the same address: once the watch is up again, the status recovers...
        second = crudServer(loopback, port);
        apply(admin, slice("users-a", "users", readyRange("10.8.0", 3)));
        await(
            () -> "recovery in " + discovery.status(), WAIT, () -> discovery.status().isHealthy());
        assertThat(discovery.status().lastError()).isPresent();
        // ...and changes come through it. (A real API server replays the changes made while the
        // watch was down, or has the client list again; the mock only sends later ones.)
        apply(admin, slice("users-a", "users", readyRange("10.8.0", 2)));
        await(
            () -> "servers " + ids(balancer) + ", " + discovery.status(),
            WAIT,
            () ->
                ids(balancer).equals(Set.of("10.8.0.1:8080", "10.8.0.2:8080"))
                    && discovery.status().isHealthy());
      }
    } finally {
      restore(saved);
      first.destroy();
      if (second != null) {
        second.destroy();
      }
    }
  }

  @Test
  void aSourceStartedWhileTheApiServerIsAwayReportsItAndCatchesUp() throws Exception {
    InetAddress loopback = InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, loopback)) {
      port = probe.getLocalPort(); // free now; nothing listens until the mock starts below
    }
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + port)
            .withNamespace(Slices.NS)
            .build();
    KubernetesMockServer server = null;
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        LoadBalancer balancer =
            LoadBalancer.builder().name("late").selector(Selectors.roundRobin()).build();
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                balancer, EndpointSliceSource.builder("late").client(client).build())) {
      await(
          () -> "a failure in " + discovery.status(),
          WAIT,
          () -> discovery.status().consecutiveFailures() > 0);
      assertThat(discovery.status().lastSuccess()).isEmpty();

      // The API server comes, with no slice yet: that is said; then the service gets its pods.
      server = crudServer(loopback, port);
      await(
          () -> "no slice in " + discovery.status(),
          WAIT,
          () ->
              discovery
                  .status()
                  .lastError()
                  .map(e -> String.valueOf(e.getMessage()).contains("no EndpointSlice"))
                  .orElse(false));
      apply(client, slice("late-a", "late", readyRange("10.8.1", 2)));
      await(
          () -> "servers " + ids(balancer) + ", " + discovery.status(),
          WAIT,
          () ->
              ids(balancer).equals(Set.of("10.8.1.1:8080", "10.8.1.2:8080"))
                  && discovery.status().isHealthy());
    } finally {
      if (server != null) {
        server.destroy();
      }
    }
  }

  @Test
  void aRefusingApiServerShowsInTheStatus() throws Exception {
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.init(InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1}), 0);
    server
        .expect()
        .get()
        .withPath(
            "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices"
                + "?labelSelector=kubernetes.io%2Fservice-name%3Dsecret&resourceVersion=0")
        .andReturn(
            403,
            new io.fabric8.kubernetes.api.model.StatusBuilder()
                .withStatus("Failure")
                .withReason("Forbidden")
                .withCode(403)
                .withMessage(
                    "endpointslices.discovery.k8s.io is forbidden: User"
                        + " \"system:serviceaccount:shop:checkout\" cannot list resource")
                .build())
        .always();
    try (KubernetesClient client = server.createClient();
        LoadBalancer balancer =
            LoadBalancer.builder().name("secret").selector(Selectors.roundRobin()).build();
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                balancer,
                EndpointSliceSource.builder("secret")
                    .namespace(Slices.NS)
                    .client(client)
                    .build())) {
      await(
          () -> "two failures in " + discovery.status(),
          WAIT,
          () -> discovery.status().consecutiveFailures() >= 2); // it keeps trying
      assertThat(discovery.status().lastError().orElseThrow().toString()).contains("403");
      assertThat(balancer.servers()).isEmpty();
    } finally {
      server.destroy();
    }
  }

  private static void setProperty(Map<String, @Nullable String> saved, String key, String value) {
    saved.putIfAbsent(key, System.getProperty(key));
    System.setProperty(key, value);
  }

  private static void restore(Map<String, @Nullable String> saved) {
    saved.forEach(
        (key, value) -> {
          if (value == null) {
            System.clearProperty(key);
          } else {
            System.setProperty(key, value);
          }
        });
  }
}
