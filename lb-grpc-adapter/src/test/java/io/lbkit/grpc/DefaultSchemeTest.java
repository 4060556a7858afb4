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

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter on the class path changes no channel that does not ask for it: targets without a
 * scheme still go to gRPC's DNS resolver, and only {@code lbkit:} targets reach the lbkit one.
 */
class DefaultSchemeTest {
  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  @Test
  void defaultSchemeStaysDns() {
    assertThat(NameResolverRegistry.getDefaultRegistry().asFactory().getDefaultScheme())
        .isEqualTo("dns");
    assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("lbkit"))
        .isInstanceOf(LbkitNameResolvers.Provider.class);
  }

  @Test
  void targetWithoutSchemeStillReachesItsServerThroughDns() throws Exception {
    Backend b = grpc.add(Backend.netty("plain"));
    ManagedChannel channel =
        grpc.add(ManagedChannelBuilder.forTarget("localhost:" + b.port()).usePlaintext().build());
    assertThat(Backend.call(channel, 5000)).isEqualTo("plain");
    assertThat(channel.authority()).isEqualTo("localhost:" + b.port());
  }

  @Test
  void targetWithoutPortIsLeftToDnsAndItsDefaultPort() {
    // The lbkit resolver would refuse this ("a port is required"); DNS takes the transport's
    // default port.
    ManagedChannel channel =
        grpc.add(ManagedChannelBuilder.forTarget("localhost").usePlaintext().build());
    assertThat(channel.authority()).isEqualTo("localhost");
  }

  @Test
  void lbkitTargetStillUsesTheLbkitResolver() throws Exception {
    Backend a = grpc.add(Backend.netty("a"));
    Backend b = grpc.add(Backend.netty("b"));
    ManagedChannel channel =
        grpc.add(
            ManagedChannelBuilder.forTarget(
                    "lbkit:///127.0.0.1:" + a.port() + ",127.0.0.1:" + b.port())
                .usePlaintext()
                .defaultLoadBalancingPolicy(LbkitPolicies.ROUND_ROBIN)
                .build());
    grpc.warmUp(channel);
    for (int i = 0; i < 10; i++) {
      Backend.call(channel, 5000);
    }
    assertThat(a.calls.get()).isEqualTo(5);
    assertThat(b.calls.get()).isEqualTo(5);
  }
}
