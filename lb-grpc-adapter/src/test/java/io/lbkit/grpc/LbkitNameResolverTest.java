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

import com.google.common.net.InetAddresses;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code lbkit:} static resolver: target syntax, errors, and a channel through it. */
class LbkitNameResolverTest {
  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  @Test
  void parsesWeightsZonesAndIpv6() {
    List<LbkitTarget.Entry> entries =
        LbkitTarget.parse(
                URI.create(
                    "lbkit:///10.0.0.1:8080?weight=2&zone=a,10.0.0.2:8080,%5B::1%5D:9000?zone=b"))
            .entries();
    assertThat(entries).hasSize(3);
    assertThat(entries.get(0).host).isEqualTo("10.0.0.1");
    assertThat(entries.get(0).port).isEqualTo(8080);
    assertThat(entries.get(0).weight).isEqualTo(2.0);
    assertThat(entries.get(0).zone).isEqualTo("a");
    assertThat(entries.get(1).weight).isEqualTo(1.0);
    assertThat(entries.get(1).zone).isNull();
    assertThat(entries.get(2).host).isEqualTo("::1");
    assertThat(entries.get(2).zone).isEqualTo("b");
  }

  /** Host and SRV entries read their parameters alike: names in any case, both percent-decoded. */
  @Test
  void parameterNamesAreCaseInsensitiveAndPercentDecoded() {
    List<LbkitTarget.Entry> entries =
        LbkitTarget.parse(
                URI.create(
                    "lbkit:///10.0.0.1:80?WEIGHT=2.5&Zone=eu%2D1&%72efresh=1m,"
                        + "srv:_grpc._tcp.a.test?ZONE=us%20east"))
            .entries();
    assertThat(entries.get(0).weight).isEqualTo(2.5);
    assertThat(entries.get(0).zone).isEqualTo("eu-1");
    assertThat(entries.get(0).refresh).isEqualTo(Duration.ofMinutes(1));
    assertThat(entries.get(1).srv).isTrue();
    assertThat(entries.get(1).zone).isEqualTo("us east");
    assertThat(entries.get(1).weight).isEqualTo(1.0);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "lbkit:///|no addresses",
        "lbkit://auth/10.0.0.1:80|an authority ('auth') is not supported",
        "lbkit:///10.0.0.1|entry 1 ('10.0.0.1'): a port is required",
        "lbkit:///10.0.0.1:80,,10.0.0.2:80|entry 2 ('') is empty",
        "lbkit:///10.0.0.1:80?weight=0|weight must be a positive number but was '0'",
        "lbkit:///10.0.0.1:80?weight=abc|weight must be a positive number but was 'abc'",
        "lbkit:///10.0.0.1:80?zone=|zone must not be blank",
        "lbkit:///10.0.0.1:80?color=red|unknown parameter 'color'",
        "lbkit:///10.0.0.1:80?weight|expected name=value but found 'weight'",
        "lbkit:///10.0.0.1:80?|expected name=value but found ''",
        "lbkit:///10.0.0.1:80?color=red|expected weight, zone or refresh",
        "lbkit:///10.0.0.1:99999|malformed host:port",
        "lbkit:///:80|a host is required",
        "lbkit:///10.0.0.1:80,10.0.0.2:80,10.0.0.1:80?weight=3|entry 3 ('10.0.0.1:80?weight=3')"
            + " repeats entry 1 ('10.0.0.1:80'); list each address once",
        "lbkit:///%5B::1%5D:80,%5B0:0::1%5D:80|entry 2 ('%5B0:0::1%5D:80') repeats entry 1",
        "lbkit:///Backend.local:80,backend.local:80|entry 2 ('backend.local:80') repeats entry 1",
        "lbkit:///srv:_grpc._tcp.a,srv:_GRPC._tcp.a?zone=b|entry 2 ('srv:_GRPC._tcp.a?zone=b')"
            + " repeats entry 1",
      })
  void malformedTargetsAreRejectedWithTheReason(String target, String reason) {
    assertThatThrownBy(() -> LbkitTarget.parse(URI.create(target)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid lbkit target '" + target + "'")
        .hasMessageContaining(reason);
  }

  @Test
  void resolverIsRegisteredForTheScheme() {
    assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("lbkit"))
        .isInstanceOf(LbkitNameResolvers.Provider.class);
  }

  @Test
  void malformedTargetFailsTheChannelBuild() {
    assertThatThrownBy(
            () ->
                grpc.add(
                    NettyChannelBuilder.forTarget("lbkit:///10.0.0.1:80?weight=-1")
                        .usePlaintext()
                        .build()))
        .hasStackTraceContaining("weight must be a positive number");
  }

  @Test
  void channelReachesEveryListedServerIncludingHostNames() throws Exception {
    Backend a = grpc.add(Backend.netty("a"));
    Backend b = grpc.add(Backend.netty("b"));
    ManagedChannel channel =
        grpc.add(
            NettyChannelBuilder.forTarget(
                    "lbkit:///127.0.0.1:" + a.port() + "?zone=z1,localhost:" + b.port())
                .usePlaintext()
                .defaultLoadBalancingPolicy(LbkitPolicies.ROUND_ROBIN)
                .build());
    grpc.warmUp(channel);
    for (int i = 0; i < 10; i++) {
      Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
    }
    assertThat(a.calls.get()).isEqualTo(5);
    assertThat(b.calls.get()).isEqualTo(5);
  }

  @Test
  void documentedTargetWithIpv6BuildsThroughTheChannelBuilder() {
    ManagedChannel channel =
        grpc.add(
            ManagedChannelBuilder.forTarget(
                    "lbkit:///127.0.0.2:8080?weight=2&zone=a,127.0.0.3:8080,%5B::1%5D:8080")
                .usePlaintext()
                .build());
    assertThat(channel.authority()).isEqualTo("127.0.0.2:8080");
    ManagedChannel first =
        grpc.add(ManagedChannelBuilder.forTarget("lbkit:///%5B::1%5D:8080").usePlaintext().build());
    assertThat(first.authority()).isEqualTo("[::1]:8080");
  }

  @Test
  void channelReachesServersOnIpv4AndIpv6Loopback() throws Exception {
    Backend v6 = ipv6Backend("v6");
    Backend v4 = grpc.add(Backend.netty("v4"));
    ManagedChannel channel =
        grpc.add(
            ManagedChannelBuilder.forTarget(
                    "lbkit:///127.0.0.1:" + v4.port() + ",%5B::1%5D:" + v6.port() + "?zone=b")
                .usePlaintext()
                .defaultLoadBalancingPolicy(LbkitPolicies.ROUND_ROBIN)
                .build());
    grpc.warmUp(channel);
    for (int i = 0; i < 10; i++) {
      Backend.call(channel, 5000);
    }
    assertThat(v4.calls.get()).isEqualTo(5);
    assertThat(v6.calls.get()).isEqualTo(5);
  }

  @Test
  void bareIpv6AddressIsRejectedAskingForBrackets() {
    assertThatThrownBy(
            () ->
                grpc.add(
                    ManagedChannelBuilder.forTarget("lbkit:///::1:19091").usePlaintext().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("entry 1 ('::1:19091')")
        .hasMessageContaining("an IPv6 address needs brackets")
        .hasMessageContaining("%5B::1%5D:19091");
  }

  /** A server on the IPv6 loopback address; skips the test where the machine has none. */
  private Backend ipv6Backend(String name) throws IOException {
    InetAddress loopback6 = InetAddresses.forString("::1");
    Backend b;
    try {
      b = Backend.netty(name, loopback6, 0);
    } catch (IOException e) {
      Assumptions.abort("no IPv6 loopback on this machine: " + e);
      throw e;
    }
    return grpc.add(b);
  }
}
