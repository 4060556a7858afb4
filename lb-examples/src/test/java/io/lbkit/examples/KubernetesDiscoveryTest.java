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

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.lbkit.core.DiscoveryBinding;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Pick;
import io.lbkit.core.Selectors;
import io.lbkit.kubernetes.EndpointSliceSource;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A consumer of the BOM that adds lb-kubernetes gets a balancer fed by a service's EndpointSlices,
 * here from the Kubernetes API server mock: every slice counts, a pod that is shutting down is
 * drained, and one that comes back ready rejoins the rotation.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesDiscoveryTest {
  // The mock logs every request at INFO through java.util.logging; held so the level sticks.
  private static final Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @SuppressWarnings("NullAway.Init") // set by the mock server's extension
  static KubernetesClient client;

  private static Logger quiet(String name) {
    Logger logger = Logger.getLogger(name);
    logger.setLevel(Level.WARNING);
    return logger;
  }

  private static EndpointSlice slice(String name, String address, boolean terminating) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("kubernetes.io/service-name", "inventory")
        .endMetadata()
        .withAddressType("IPv4")
        .addNewPort()
        .withName("http")
        .withPort(8080)
        .endPort()
        .addNewEndpoint()
        .withAddresses(address)
        .withZone("eu-west-1a")
        .withNewConditions()
        .withReady(!terminating)
        .withServing(true)
        .withTerminating(terminating)
        .endConditions()
        .endEndpoint()
        .build();
  }

  @Test
  void aBalancerFollowsTheEndpointSlicesOfAService() throws Exception {
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace("shop")
        .resource(slice("inventory-a", "10.0.0.1", false))
        .create();
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace("shop")
        .resource(slice("inventory-b", "10.0.0.2", true))
        .create();
    try (LoadBalancer inventory =
            LoadBalancer.builder().name("inventory").selector(Selectors.roundRobin()).build();
        DiscoveryBinding discovery =
            DiscoveryBinding.start(
                inventory,
                EndpointSliceSource.builder("inventory")
                    .namespace("shop")
                    .portName("http")
                    .client(client)
                    .build())) {
      assertThat(discovery.awaitServers(WAIT)).isTrue();
      assertThat(inventory.servers()).hasSize(2);
      assertThat(inventory.health("10.0.0.2:8080")).contains(HealthState.DRAINING);
      for (int i = 0; i < 4; i++) {
        try (Pick pick = inventory.pick()) {
          assertThat(pick.server().address()).isEqualTo("10.0.0.1:8080");
          assertThat(pick.server().zone()).contains("eu-west-1a");
        }
      }
      assertThat(discovery.status().isHealthy()).isTrue();

      // The pod comes back ready: the watch brings it into the rotation. Seeing that change
      // arrive also means the mock has no watch event still being written when the binding
      // closes its watch below. The mock's server blocks its only event loop when a watch is
      // closed under a pending write (for up to 30 seconds, its write timeout), and its shutdown
      // then fails after 10; closing right after the first list hit that on a busy machine.
      client
          .discovery()
          .v1()
          .endpointSlices()
          .inNamespace("shop")
          .resource(slice("inventory-b", "10.0.0.2", false))
          .update();
      awaitHealth(inventory, "10.0.0.2:8080", HealthState.HEALTHY);
      Set<String> picked = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        try (Pick pick = inventory.pick()) {
          picked.add(pick.server().address());
        }
      }
      assertThat(picked).containsExactlyInAnyOrder("10.0.0.1:8080", "10.0.0.2:8080");
    }
    assertThat(MOCK_LOG.getLevel()).isEqualTo(Level.WARNING);
  }

  private static void awaitHealth(LoadBalancer balancer, String id, HealthState expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!balancer.health(id).equals(Optional.of(expected))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(id + " is " + balancer.health(id) + ", expected " + expected);
      }
      Thread.sleep(10);
    }
  }
}
