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

import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lbkit.core.HealthState;
import io.lbkit.core.ServerStatus;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A subchannel's connectivity reaches lbkit through its own input, apart from what the application
 * sets: a lost connection makes the server unreachable (UNHEALTHY, with gRPC's reason), and leaves
 * the application's health as it was. Real servers on loopback.
 */
class ConnectivityTest {
  private static final String CAPTURING_ROUND_ROBIN = "test_capturing_round_robin";
  private static final AtomicReference<LbkitGrpcLoadBalancer> CAPTURED = new AtomicReference<>();

  /** lbkit's round robin under another name, handing the test the balancer it builds. */
  private static final LoadBalancerProvider CAPTURING =
      new LoadBalancerProvider() {
        private final LoadBalancerProvider real =
            LoadBalancerRegistry.getDefaultRegistry().getProvider(LbkitPolicies.ROUND_ROBIN);

        @Override
        public boolean isAvailable() {
          return true;
        }

        @Override
        public int getPriority() {
          return 5;
        }

        @Override
        public String getPolicyName() {
          return CAPTURING_ROUND_ROBIN;
        }

        @Override
        public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
          LoadBalancer lb = real.newLoadBalancer(helper);
          CAPTURED.set((LbkitGrpcLoadBalancer) lb);
          return lb;
        }

        @Override
        public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> config) {
          return real.parseLoadBalancingPolicyConfig(config);
        }
      };

  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @BeforeAll
  static void register() {
    LoadBalancerRegistry.getDefaultRegistry().register(CAPTURING);
  }

  @AfterAll
  static void deregister() {
    LoadBalancerRegistry.getDefaultRegistry().deregister(CAPTURING);
  }

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  /**
   * The reported defect: the adapter mapped connectivity onto the application-health setter, so a
   * lost connection read as "set UNHEALTHY by the application" and overwrote what the application
   * had set.
   */
  @Test
  void aLostConnectionMakesTheServerUnreachableNotUnhealthyByTheApplication() throws Exception {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Backend b = grpc.add(Backend.netty("c" + i));
      groups.add(new EquivalentAddressGroup(b.address()));
    }
    @SuppressWarnings("deprecation") // fixed addresses for a test channel
    ManagedChannel channel =
        grpc.add(
            NettyChannelBuilder.forTarget("manual:///connectivity")
                .nameResolverFactory(new ManualResolver(groups))
                .usePlaintext()
                .defaultServiceConfig(
                    Map.of("loadBalancingConfig", List.of(Map.of(CAPTURING_ROUND_ROBIN, Map.of()))))
                .build());
    grpc.warmUp(channel);
    io.lbkit.core.LoadBalancer lbkit =
        Objects.requireNonNull(
            Objects.requireNonNull(CAPTURED.get(), "the channel's balancer").lbkit(), "lbkit");
    Backend killed = grpc.backends.get(0);
    String id = serverId(killed);
    killed.close();

    GrpcTestSupport.await(
        Duration.ofSeconds(30), () -> status(lbkit, id).state() == HealthState.UNHEALTHY);
    ServerStatus lost = status(lbkit, id);
    assertThat(lost.applicationState()).isEqualTo(HealthState.HEALTHY);
    assertThat(lost.reason()).contains("lost its connection (subchannel");
    assertThat(lost.isEligible()).isFalse();

    // Calls keep going to the server that is up.
    Backend alive = grpc.backends.get(1);
    for (int i = 0; i < 10; i++) {
      try {
        assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isEqualTo(alive.name);
      } catch (StatusRuntimeException e) {
        // A call racing with the connection's end may fail; nothing may hang.
      }
    }
  }

  private static ServerStatus status(io.lbkit.core.LoadBalancer lbkit, String serverId) {
    return lbkit.status(serverId).orElseThrow(() -> new AssertionError("no server " + serverId));
  }

  /** The lbkit server id of a backend: its host string and port, as the adapter names servers. */
  private static String serverId(Backend b) {
    InetSocketAddress a = (InetSocketAddress) b.address();
    return a.getHostString() + ":" + a.getPort();
  }
}
