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

import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.lbkit.core.ServerStatus;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A call's latency is its time to response headers, not the life of its stream; the stream still
 * counts as in flight until it closes. Real servers on loopback.
 */
class StreamLatencyTest {
  private static final String CAPTURING_LEAST_RESPONSE_TIME = "test_capturing_least_response_time";
  private static final AtomicReference<LbkitGrpcLoadBalancer> CAPTURED = new AtomicReference<>();

  /** lbkit's least response time under another name, handing the test the balancer it builds. */
  private static final LoadBalancerProvider CAPTURING =
      new LoadBalancerProvider() {
        private final LoadBalancerProvider real =
            LoadBalancerRegistry.getDefaultRegistry()
                .getProvider(LbkitPolicies.LEAST_RESPONSE_TIME);

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
          return CAPTURING_LEAST_RESPONSE_TIME;
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
   * A stream open for 3 s leaves its server's latency estimate at about a millisecond, not the
   * stream's life, so least response time still sends it calls; it counts as in flight until it
   * closes. The estimate and the in-flight count are read from the channel's own lbkit balancer.
   */
  @Test
  void longStreamDoesNotMakeItsServerLookSlowToLeastResponseTime() throws Exception {
    ManagedChannel channel = channel(CAPTURING_LEAST_RESPONSE_TIME);
    grpc.warmUp(channel);
    io.lbkit.core.LoadBalancer lbkit = capturedBalancer();

    Iterator<String> stream = openStream(channel);
    String streamedBy = stream.next();
    String server = serverId(streamedBy);
    long openUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (System.nanoTime() < openUntil) {
      // Unary calls (sequential: they finish before the next starts) keep both servers measured.
      Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
      assertThat(status(lbkit, server).inFlight()).as("the open stream is in flight").isEqualTo(1);
    }
    backend(streamedBy).endStreams();
    assertThat(stream.next()).isEqualTo("end");
    assertThat(stream.hasNext()).isFalse();

    GrpcTestSupport.await(Duration.ofSeconds(20), () -> status(lbkit, server).inFlight() == 0);
    // By stream lifetime, peak EWMA would now say 3 s or more.
    assertThat(status(lbkit, server).latencyEstimateNanos())
        .as("latency estimate of the server that held the stream")
        .isLessThan(TimeUnit.MILLISECONDS.toNanos(1500));

    // And it still gets calls (few on a loaded machine, where any slow call weighs, none at all
    // with the stream's life counted).
    int before = backend(streamedBy).calls.get();
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          return backend(streamedBy).calls.get() > before;
        });
  }

  @Test
  void openStreamCountsAsInFlightUntilItCloses() throws Exception {
    ManagedChannel channel = channel(LbkitPolicies.LEAST_CONNECTIONS);
    grpc.warmUp(channel);

    Iterator<String> stream = openStream(channel);
    String streamedBy = stream.next(); // headers and the first message are in
    // The streaming server has a call in flight, the other none: every call goes to the other.
    for (int i = 0; i < 20; i++) {
      assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isNotEqualTo(streamedBy);
    }

    backend(streamedBy).endStreams();
    assertThat(stream.next()).isEqualTo("end");
    assertThat(stream.hasNext()).isFalse();
    int before = backend(streamedBy).calls.get();
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          return backend(streamedBy).calls.get() > before;
        });
  }

  private ManagedChannel channel(String policy) throws Exception {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Backend b = grpc.add(Backend.netty("s" + i));
      groups.add(new EquivalentAddressGroup(b.address()));
    }
    @SuppressWarnings("deprecation") // fixed addresses for a test channel
    ManagedChannel channel =
        NettyChannelBuilder.forTarget("manual:///streams")
            .nameResolverFactory(new ManualResolver(groups))
            .usePlaintext()
            .defaultServiceConfig(Map.of("loadBalancingConfig", List.of(Map.of(policy, Map.of()))))
            .build();
    return grpc.add(channel);
  }

  private static Iterator<String> openStream(ManagedChannel channel) {
    return ClientCalls.blockingServerStreamingCall(
        channel, Backend.STREAM, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), "hi");
  }

  private static io.lbkit.core.LoadBalancer capturedBalancer() {
    LbkitGrpcLoadBalancer lb = Objects.requireNonNull(CAPTURED.get(), "the channel's balancer");
    return Objects.requireNonNull(lb.lbkit(), "its lbkit balancer");
  }

  private static ServerStatus status(io.lbkit.core.LoadBalancer lbkit, String serverId) {
    return lbkit.status().stream()
        .filter(st -> st.server().id().equals(serverId))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no lbkit server " + serverId + " in " + lbkit));
  }

  /** The lbkit server id of a backend: its host string and port. */
  private String serverId(String backendName) {
    InetSocketAddress a = (InetSocketAddress) backend(backendName).address();
    return a.getHostString() + ":" + a.getPort(); // as the adapter names servers
  }

  private Backend backend(String name) {
    return grpc.backends.stream().filter(b -> b.name.equals(name)).findFirst().orElseThrow();
  }
}
