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

import static java.util.Objects.requireNonNull;

import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lbkit.core.ServerStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An lbkit policy registered under a test name, handing the test the lbkit balancer that the
 * channel's policy builds, and channels of real loopback servers that use it: for tests that read a
 * server's status (health, in-flight calls, latency estimate) from the channel's own balancer.
 * {@link #close()} deregisters the policy.
 */
final class CapturingPolicy extends LoadBalancerProvider implements AutoCloseable {
  private final String name;
  private final LoadBalancerProvider real;
  private final AtomicReference<LbkitGrpcLoadBalancer> captured = new AtomicReference<>();

  private CapturingPolicy(String name, String realPolicy) {
    this.name = name;
    this.real =
        requireNonNull(
            LoadBalancerRegistry.getDefaultRegistry().getProvider(realPolicy), realPolicy);
  }

  /** Registers lbkit's {@code realPolicy} under the name {@code name}. */
  static CapturingPolicy register(String name, String realPolicy) {
    CapturingPolicy p = new CapturingPolicy(name, realPolicy);
    LoadBalancerRegistry.getDefaultRegistry().register(p);
    return p;
  }

  /**
   * A channel over {@code servers} new Netty backends on loopback (named {@code prefix} followed by
   * 0, 1, ...), added to {@code grpc}, with the policy {@code policy} (this one's name or any
   * other) and its default settings.
   */
  static ManagedChannel channel(GrpcTestSupport grpc, String policy, int servers, String prefix)
      throws IOException {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (int i = 0; i < servers; i++) {
      Backend b = grpc.add(Backend.netty(prefix + i));
      groups.add(new EquivalentAddressGroup(b.address()));
    }
    @SuppressWarnings("deprecation") // fixed addresses for a test channel
    ManagedChannel channel =
        NettyChannelBuilder.forTarget("manual:///" + prefix)
            .nameResolverFactory(new ManualResolver(groups))
            .usePlaintext()
            .defaultServiceConfig(Map.of("loadBalancingConfig", List.of(Map.of(policy, Map.of()))))
            .build();
    return grpc.add(channel);
  }

  /** The lbkit balancer of the last channel that built this policy. */
  io.lbkit.core.LoadBalancer lbkit() {
    LbkitGrpcLoadBalancer lb = requireNonNull(captured.get(), "the channel's balancer");
    return requireNonNull(lb.lbkit(), "its lbkit balancer");
  }

  /** The status of a server of {@link #lbkit()}. */
  ServerStatus status(String serverId) {
    io.lbkit.core.LoadBalancer lbkit = lbkit();
    return lbkit
        .status(serverId)
        .orElseThrow(() -> new AssertionError("no lbkit server " + serverId + " in " + lbkit));
  }

  /** The lbkit server id of a backend: its host string and port, as the adapter names servers. */
  static String serverId(Backend b) {
    InetSocketAddress a = (InetSocketAddress) b.address();
    return a.getHostString() + ":" + a.getPort();
  }

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
    return name;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    LoadBalancer lb = real.newLoadBalancer(helper);
    captured.set((LbkitGrpcLoadBalancer) lb);
    return lb;
  }

  @Override
  public NameResolver.ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> config) {
    return real.parseLoadBalancingPolicyConfig(config);
  }

  @Override
  public void close() {
    LoadBalancerRegistry.getDefaultRegistry().deregister(this);
  }
}
