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

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hash policies against three real servers on loopback ports: the calls' {@code x-session-id}
 * header chooses the server, counted at the servers.
 */
class HashPolicyTest {
  private static final Metadata.Key<String> SESSION =
      Metadata.Key.of("x-session-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final Map<String, ?> CONFIG = Map.of("hashHeader", "x-session-id");
  private static final int KEYS = 60;

  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @BeforeEach
  void startBackends() throws Exception {
    for (int i = 0; i < 3; i++) {
      grpc.add(Backend.netty("b" + i));
    }
  }

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {LbkitPolicies.RING_HASH, LbkitPolicies.MAGLEV, LbkitPolicies.BOUNDED_LOAD_HASH})
  void sameKeyAlwaysLandsOnTheSameServerAndKeysSpreadOverAll(String policy) {
    ManagedChannel channel = channel(policy, CONFIG);
    grpc.warmUp(channel);
    Map<String, String> owner = owners(channel);
    for (int round = 0; round < 3; round++) {
      for (int k = 0; k < KEYS; k++) {
        assertThat(Backend.call(keyed(channel, "session-" + k), 5000))
            .as("%s key %s", policy, k)
            .isEqualTo(owner.get("session-" + k));
      }
    }
    // Counted at the servers: each served exactly 4 calls per key it owns.
    for (Backend b : grpc.backends) {
      long owned = owner.values().stream().filter(b.name::equals).count();
      assertThat(b.calls.get()).as("%s %s", policy, b.name).isEqualTo(4 * owned);
      // 60 keys over 3 servers: about 20 each; 5 would be far outside any hash's spread.
      assertThat(owned).as("%s keys of %s", policy, b.name).isGreaterThan(5);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {LbkitPolicies.RING_HASH, LbkitPolicies.BOUNDED_LOAD_HASH})
  void killedServerMovesOnlyItsOwnKeys(String policy) throws Exception {
    ManagedChannel channel = channel(policy, CONFIG);
    grpc.warmUp(channel);
    Map<String, String> before = owners(channel);
    Backend killed = grpc.backends.get(0);
    killed.close();
    int servedBeforeKill = killed.calls.get();

    Map<String, String> after = new HashMap<>();
    for (int k = 0; k < KEYS; k++) {
      String key = "session-" + k;
      after.put(key, callRetryingUnavailable(keyed(channel, key)));
    }
    assertThat(killed.calls.get()).isEqualTo(servedBeforeKill);
    for (int k = 0; k < KEYS; k++) {
      String key = "session-" + k;
      if (killed.name.equals(before.get(key))) {
        assertThat(after.get(key)).as("%s moved key %s", policy, key).isNotEqualTo(killed.name);
      } else {
        assertThat(after.get(key)).as("%s kept key %s", policy, key).isEqualTo(before.get(key));
      }
    }
    assertThat(before.values()).as("the killed server owned keys").contains(killed.name);
  }

  @Test
  void maglevMovesFewOtherKeysWhenAServerIsKilled() throws Exception {
    ManagedChannel channel = channel(LbkitPolicies.MAGLEV, CONFIG);
    grpc.warmUp(channel);
    Map<String, String> before = owners(channel);
    Backend killed = grpc.backends.get(0);
    killed.close();
    int kept = 0;
    int others = 0;
    for (int k = 0; k < KEYS; k++) {
      String key = "session-" + k;
      String now = callRetryingUnavailable(keyed(channel, key));
      assertThat(now).isNotEqualTo(killed.name);
      if (!killed.name.equals(before.get(key))) {
        others++;
        kept += now.equals(before.get(key)) ? 1 : 0;
      }
    }
    // Maglev moves a small fraction of the other keys too; most stay.
    assertThat(kept).isGreaterThanOrEqualTo(others * 8 / 10);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {LbkitPolicies.RING_HASH, LbkitPolicies.MAGLEV, LbkitPolicies.BOUNDED_LOAD_HASH})
  void callsWithoutTheHeaderAreSpreadAtRandom(String policy) {
    ManagedChannel channel = channel(policy, CONFIG);
    grpc.warmUp(channel);
    Set<String> served = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      served.add(Backend.call(channel, 5000));
    }
    // A fixed server would serve all 60; at random, missing one of three has odds (2/3)^60.
    assertThat(served).hasSize(3);
  }

  /**
   * The key's server holds its calls: with bounded loads a second call of the same key finds it at
   * its bound and goes to the next server, where ring hash would pile every call onto it.
   */
  @Test
  void boundedLoadSpillsAHotKeyOverToOtherServers() throws Exception {
    ManagedChannel channel =
        channel(
            LbkitPolicies.BOUNDED_LOAD_HASH, Map.of("hashHeader", "x-session-id", "epsilon", 0.25));
    grpc.warmUp(channel);
    Channel hot = keyed(channel, "hot");
    String ownerName = Backend.call(hot, 5000);
    Backend owner =
        grpc.backends.stream().filter(b -> b.name.equals(ownerName)).findFirst().orElseThrow();
    owner.hold = true;
    List<ListenableFuture<String>> pending = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int before = owner.heldCount();
      ListenableFuture<String> f =
          ClientCalls.futureUnaryCall(
              hot.newCall(Backend.ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)),
              "hi");
      GrpcTestSupport.await(Duration.ofSeconds(20), () -> f.isDone() || owner.heldCount() > before);
      pending.add(f);
    }
    assertThat(owner.heldCount()).isEqualTo(1);
    owner.releaseHeld();
    for (ListenableFuture<String> f : pending) {
      assertThat(f.get(5, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  @Test
  void defaultPolicyWithoutConfigFailsCallsNamingTheMissingHeader() {
    ManagedChannel channel =
        grpc.add(
            NettyChannelBuilder.forTarget(target())
                .usePlaintext()
                .defaultLoadBalancingPolicy(LbkitPolicies.RING_HASH)
                .build());
    assertThatThrownBy(() -> Backend.call(channel, 5000))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("UNAVAILABLE")
        .hasMessageContaining("hashHeader is required");
  }

  @Test
  void invalidServiceConfigFailsTheChannelNamingTheField() {
    assertThatThrownBy(
            () ->
                LbkitPolicies.serviceConfig(
                    LbkitPolicies.MAGLEV, Map.of("hashHeader", "X-Session-Id")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hashHeader must be a metadata key");
    Map<String, ?> config =
        Map.of(
            "loadBalancingConfig",
            List.of(
                Map.of(
                    LbkitPolicies.BOUNDED_LOAD_HASH, Map.of("hashHeader", "x", "epsilon", 0.0))));
    assertThatThrownBy(
            () ->
                grpc.add(
                    NettyChannelBuilder.forTarget(target())
                        .usePlaintext()
                        .defaultServiceConfig(config)
                        .build()))
        .hasMessageContaining("epsilon must be greater than 0");
  }

  static List<Object[]> badConfigs() {
    return List.of(
        new Object[] {LbkitPolicies.RING_HASH, Map.of(), "hashHeader is required"},
        new Object[] {
          LbkitPolicies.MAGLEV, Map.of("hashHeader", 3.0), "hashHeader must be a string"
        },
        new Object[] {
          LbkitPolicies.RING_HASH, Map.of("hashHeader", ""), "hashHeader must be a metadata key"
        },
        new Object[] {
          LbkitPolicies.RING_HASH,
          Map.of("hashHeader", "X-Session-Id"),
          "hashHeader must be a metadata key"
        },
        new Object[] {
          LbkitPolicies.RING_HASH,
          Map.of("hashHeader", "x session"),
          "hashHeader must be a metadata key"
        },
        new Object[] {
          LbkitPolicies.MAGLEV,
          Map.of("hashHeader", "x-sëssion"),
          "hashHeader must be a metadata key"
        },
        new Object[] {
          LbkitPolicies.RING_HASH,
          Map.of("hashHeader", "x-session-bin"),
          "hashHeader must name a text header"
        },
        new Object[] {
          LbkitPolicies.RING_HASH,
          Map.of("hashHeader", "x-session-id", "epsilon", 0.5),
          "unknown field 'epsilon'"
        },
        new Object[] {
          LbkitPolicies.ROUND_ROBIN,
          Map.of("hashHeader", "x-session-id"),
          "unknown field 'hashHeader'"
        },
        new Object[] {
          LbkitPolicies.BOUNDED_LOAD_HASH,
          Map.of("hashHeader", "x-session-id", "epsilon", 0.0),
          "epsilon must be greater than 0 but was 0.0"
        },
        new Object[] {
          LbkitPolicies.BOUNDED_LOAD_HASH,
          Map.of("hashHeader", "x-session-id", "epsilon", -1.0),
          "epsilon must be greater than 0"
        },
        new Object[] {
          LbkitPolicies.BOUNDED_LOAD_HASH,
          Map.of("hashHeader", "x-session-id", "epsilon", "0.5"),
          "epsilon must be a number"
        },
        new Object[] {
          LbkitPolicies.BOUNDED_LOAD_HASH, Map.of("epsilon", 0.5), "hashHeader is required"
        },
        new Object[] {
          LbkitPolicies.MAGLEV,
          Map.of("hashHeader", "x-session-id", "slowStart", Map.of()),
          "slowStart.window is required"
        });
  }

  @ParameterizedTest
  @MethodSource("badConfigs")
  void badConfigIsAnErrorNamingTheField(String policy, Map<String, ?> json, String expected) {
    ConfigOrError result = provider(policy).parseLoadBalancingPolicyConfig(json);
    assertThat(result.getConfig()).isNull();
    Status error = Objects.requireNonNull(result.getError());
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription())
        .startsWith("invalid " + policy + " config: ")
        .contains(expected);
  }

  @Test
  void goodConfigsParseWithSharedFields() {
    for (String policy :
        List.of(LbkitPolicies.RING_HASH, LbkitPolicies.MAGLEV, LbkitPolicies.BOUNDED_LOAD_HASH)) {
      ConfigOrError result =
          provider(policy)
              .parseLoadBalancingPolicyConfig(
                  Map.of(
                      "hashHeader",
                      "x-user_id.v2",
                      "outlierDetection",
                      Map.of("consecutiveFailures", 3.0),
                      "slowStart",
                      Map.of("window", "10s")));
      LbkitConfig config = (LbkitConfig) Objects.requireNonNull(result.getConfig(), policy);
      assertThat(Objects.requireNonNull(config.hashHeader).name()).isEqualTo("x-user_id.v2");
      assertThat(config.outlierDetection).isNotNull();
      assertThat(config.slowStart).isNotNull();
      assertThat(config.selector.get().name()).isNotEmpty();
    }
    assertThat(
            provider(LbkitPolicies.BOUNDED_LOAD_HASH)
                .parseLoadBalancingPolicyConfig(Map.of("hashHeader", "k", "epsilon", 2.0))
                .getError())
        .isNull();
  }

  // ---------------------------------------------------------------------------------------------

  private static LoadBalancerProvider provider(String policy) {
    return Objects.requireNonNull(LoadBalancerRegistry.getDefaultRegistry().getProvider(policy));
  }

  /** Which server answers each key, asked once per key. */
  private Map<String, String> owners(Channel channel) {
    Map<String, String> owner = new HashMap<>();
    for (int k = 0; k < KEYS; k++) {
      owner.put("session-" + k, Backend.call(keyed(channel, "session-" + k), 5000));
    }
    return owner;
  }

  /** A call may race with the killed server's connection ending; it is retried, nothing hangs. */
  private static String callRetryingUnavailable(Channel channel) {
    for (int attempt = 0; ; attempt++) {
      try {
        return Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(attempt).as("attempts").isLessThan(3);
      }
    }
  }

  private static Channel keyed(Channel channel, String key) {
    Metadata headers = new Metadata();
    headers.put(SESSION, key);
    return ClientInterceptors.intercept(
        channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private String target() {
    StringBuilder target = new StringBuilder("lbkit:///");
    for (int i = 0; i < grpc.backends.size(); i++) {
      target.append(i == 0 ? "" : ",").append("127.0.0.1:").append(grpc.backends.get(i).port());
    }
    return target.toString();
  }

  private ManagedChannel channel(String policy, Map<String, ?> config) {
    return grpc.add(
        NettyChannelBuilder.forTarget(target())
            .usePlaintext()
            .defaultServiceConfig(LbkitPolicies.serviceConfig(policy, config))
            .build());
  }
}
