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
package io.lbkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The policies are found by name, with no code beyond the dependency. */
class RegistrationTest {
  private static final AtomicInteger IDS = new AtomicInteger();
  private final List<Backend> backends = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void startBackends() throws Exception {
    for (int i = 0; i < 3; i++) {
      backends.add(Backend.inProcess("registration-" + IDS.incrementAndGet()));
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Backend b : backends) {
      b.close();
    }
  }

  @Test
  void everyPolicyIsRegisteredByAHiddenProvider() {
    assertThat(LbkitPolicies.policyNames())
        .containsExactlyInAnyOrder(
            "lbkit_round_robin",
            "lbkit_weighted_round_robin",
            "lbkit_random",
            "lbkit_weighted_random",
            "lbkit_least_connections",
            "lbkit_power_of_two_choices",
            "lbkit_least_response_time",
            "lbkit_peak_ewma",
            "lbkit_probing",
            "lbkit_ring_hash",
            "lbkit_maglev",
            "lbkit_bounded_load_hash");
    for (String name : LbkitPolicies.policyNames()) {
      LoadBalancerProvider provider = LoadBalancerRegistry.getDefaultRegistry().getProvider(name);
      assertThat(provider).as(name).isNotNull();
      assertThat(provider.getPolicyName()).isEqualTo(name);
      assertThat(provider.isAvailable()).isTrue();
      assertThat(provider.getPriority()).isEqualTo(5);
      assertThat(Modifier.isPublic(provider.getClass().getEnclosingClass().getModifiers()))
          .as("holder of %s is package-private", name)
          .isFalse();
    }
  }

  /**
   * One concept, one name: each policy {@code lbkit_NAME} runs the algorithm that core's registry
   * knows as {@code NAME} ({@link Selectors#byName}); {@code lbkit_peak_ewma} is Finagle's peak
   * EWMA, as core's {@code peak_ewma}, not another name for least response time.
   */
  @Test
  void everyPolicyRunsCoresAlgorithmOfTheSameName() {
    for (String policy : LbkitPolicies.policyNames()) {
      String core = policy.substring("lbkit_".length());
      LoadBalancerProvider provider = LoadBalancerRegistry.getDefaultRegistry().getProvider(policy);
      Object config =
          provider
              .parseLoadBalancingPolicyConfig(
                  core.endsWith("hash") || core.equals("maglev")
                      ? Map.of("hashHeader", "x-key")
                      : Map.of())
              .getConfig();
      assertThat(config).as(policy).isInstanceOf(LbkitConfig.class);
      Selector ours = ((LbkitConfig) config).selector.get();
      Selector theirs = Selectors.byName(core);
      assertThat(ours.getClass()).as(policy).isEqualTo(theirs.getClass());
      assertThat(ours.name()).as(policy).isEqualTo(theirs.name());
      assertThat(ours.usesLatency()).as(policy).isEqualTo(theirs.usesLatency());
      assertThat(ours.usesInFlight()).as(policy).isEqualTo(theirs.usesInFlight());
    }
  }

  @Test
  void defaultLoadBalancingPolicySelectsThePolicy() throws Exception {
    ManagedChannel channel =
        channel().defaultLoadBalancingPolicy(LbkitPolicies.ROUND_ROBIN).build();
    // pick_first, gRPC's default, would send every call to one backend.
    assertThat(spread(channel, 30)).containsExactly(10, 10, 10);
  }

  @Test
  void serviceConfigSelectsThePolicy() throws Exception {
    Map<String, Object> lbConfig = new HashMap<>();
    lbConfig.put("lbkit_round_robin", Map.of("failureStatusCodes", List.of("UNAVAILABLE")));
    ManagedChannel channel =
        channel().defaultServiceConfig(Map.of("loadBalancingConfig", List.of(lbConfig))).build();
    assertThat(spread(channel, 30)).containsExactly(10, 10, 10);
  }

  @Test
  void serviceConfigHelperSelectsThePolicy() throws Exception {
    ManagedChannel channel =
        channel()
            .defaultServiceConfig(
                LbkitPolicies.serviceConfig(
                    LbkitPolicies.ROUND_ROBIN, Map.of("slowStart", Map.of("window", "1s"))))
            .build();
    assertThat(spread(channel, 3)).containsExactly(1, 1, 1);
  }

  @Test
  void invalidDefaultServiceConfigFailsTheChannelNamingTheField() {
    Map<String, ?> config =
        Map.of(
            "loadBalancingConfig",
            List.of(Map.of("lbkit_round_robin", Map.of("outlierDetection", Map.of("bogus", 1.0)))));
    assertThatThrownBy(() -> channels.add(channel().defaultServiceConfig(config).build()))
        .hasMessageContaining("outlierDetection.bogus");
  }

  private InProcessChannelBuilder channel() {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Backend b : backends) {
      groups.add(new EquivalentAddressGroup(b.address()));
    }
    @SuppressWarnings("deprecation") // the simplest way to give a test channel fixed addresses
    InProcessChannelBuilder builder =
        InProcessChannelBuilder.forTarget("manual:///registration")
            .nameResolverFactory(new ManualResolver(groups));
    return builder;
  }

  private List<Integer> spread(ManagedChannel channel, int calls) {
    channels.add(channel);
    for (int i = 0; i < calls; i++) {
      Backend.call(channel, 5000);
    }
    List<Integer> counts = new ArrayList<>();
    for (Backend b : backends) {
      counts.add(b.calls.get());
    }
    return counts;
  }
}
