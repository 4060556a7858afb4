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

import static io.lbkit.grpc.ResolverHarness.addresses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.lbkit.core.Dnsmasq;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Host names in {@code lbkit:} targets, looked up by core's DNS discovery against a real DNS server
 * (dnsmasq on loopback, named by the target's authority) whose records change during the test:
 * every record becomes an address, looked up on the channel's offload executor, again periodically
 * and on request; a failed look-up keeps the last good addresses.
 */
class LbkitDnsResolverTest {
  private static final InetAddress LO1 = address("127.0.0.1");
  private static final InetAddress LO2 = address("127.0.0.2");

  private final ResolverHarness resolver = new ResolverHarness();
  private final GrpcTestSupport grpc = new GrpcTestSupport();
  private @Nullable Dnsmasq dns;

  @AfterEach
  void stop() throws Exception {
    resolver.close();
    grpc.close();
    if (dns != null) {
      dns.close();
    }
  }

  @Test
  void localhostBecomesOneAddressPerRecordLookedUpOnTheOffloadExecutor() throws Exception {
    resolver.start("lbkit:///localhost:8080");
    List<EquivalentAddressGroup> groups = resolver.awaitResult(1);

    List<InetSocketAddress> expected = new ArrayList<>();
    for (InetAddress a : InetAddress.getAllByName("localhost")) {
      expected.add(new InetSocketAddress(a, 8080));
    }
    assertThat(addresses(groups)).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(addresses(groups))
        .allSatisfy(a -> assertThat(a.getAddress().isLoopbackAddress()).isTrue());
    // The look-up ran on the offload executor (its task ends just after the delivery).
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> resolver.offloaded.get() > 0);
  }

  @Test
  void recordsThatAppearAndDisappearArePublishedOnRefreshAndUnchangedOnesAreNot() throws Exception {
    dns = Dnsmasq.start("host-record=inventory.test,127.0.0.1");
    resolver.start("lbkit://" + dns.address() + "/inventory.test:8080?weight=2&zone=z");
    List<EquivalentAddressGroup> first = resolver.awaitResult(1);
    assertThat(addresses(first)).containsExactly(socket(LO1));
    assertThat(first.get(0).getAttributes().get(LbkitPolicies.WEIGHT)).isEqualTo(2.0);
    assertThat(first.get(0).getAttributes().get(LbkitPolicies.ZONE)).isEqualTo("z");

    dns.restart("host-record=inventory.test,127.0.0.1", "host-record=inventory.test,127.0.0.2");
    resolver.refreshAndWait();
    assertThat(resolver.results).hasSize(2);
    assertThat(addresses(resolver.results.get(1))).containsExactly(socket(LO1), socket(LO2));

    resolver.refreshAndWait(); // same records: looked up, not published
    assertThat(resolver.results).hasSize(2);

    dns.restart("host-record=inventory.test,127.0.0.2");
    resolver.refreshAndWait();
    assertThat(resolver.results).hasSize(3);
    assertThat(addresses(resolver.results.get(2))).containsExactly(socket(LO2));
    assertThat(resolver.errors).isEmpty();
    // One periodic look-up pending at a time, however many refreshes ran.
    assertThat(resolver.timer.getQueue()).hasSize(1);
  }

  @Test
  void periodicRefreshFindsNewRecordsAndShutdownStopsTheLookups() throws Exception {
    dns = Dnsmasq.start("host-record=inventory.test,127.0.0.1");
    resolver.start("lbkit://" + dns.address() + "/inventory.test:8080?refresh=50ms");
    resolver.awaitResult(1);
    dns.restart("host-record=inventory.test,127.0.0.1", "host-record=inventory.test,127.0.0.2");
    assertThat(addresses(resolver.awaitResult(2))).containsExactly(socket(LO1), socket(LO2));

    resolver.shutdown();
    // A look-up under way when the resolver shut down schedules no other; the pending one is
    // cancelled.
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> resolver.timer.getQueue().isEmpty());
    int results = resolver.results.size();
    dns.restart("host-record=inventory.test,127.0.0.2");
    assertThat(resolver.timer.getQueue()).isEmpty();
    assertThat(resolver.results).hasSize(results);
  }

  @Test
  void failedLookupIsUnavailableNamingTheHostAndCauseAndLaterKeepsTheLastGoodAddresses()
      throws Exception {
    dns = Dnsmasq.start("host-record=other.test,127.0.0.9");
    resolver.start("lbkit://" + dns.address() + "/inventory.test:8080");
    Status error = resolver.awaitError(1);
    assertThat(resolver.results).isEmpty();
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription())
        .contains("no address for lbkit://")
        .contains("cannot resolve 'inventory.test:8080' (javax.naming.");
    assertThat(error.getCause()).isNotNull();

    dns.restart("host-record=inventory.test,127.0.0.1");
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          resolver.refreshAndWait();
          return resolver.results.size() == 1;
        });
    int errors = resolver.errors.size();

    // A DNS outage: the host keeps its addresses; nothing is published, no error reported.
    dns.stop();
    resolver.refreshAndWait();
    assertThat(resolver.results).hasSize(1);
    assertThat(resolver.errors).hasSize(errors);
  }

  @Test
  void literalTargetIsResolvedOnceWithoutLookupOrTimer() {
    resolver.start("lbkit:///127.0.0.1:8080,127.0.0.2:8080");
    resolver.syncContext.execute(() -> {}); // whatever start queued has run
    resolver.refresh();
    assertThat(resolver.results).hasSize(1);
    assertThat(addresses(resolver.results.get(0))).containsExactly(socket(LO1), socket(LO2));
    assertThat(resolver.offloaded.get()).isZero();
    assertThat(resolver.timer.getQueue()).isEmpty();
  }

  @Test
  void refreshIntervalComesFromTheTarget() {
    assertThat(parse("lbkit:///a.test:80").refresh()).isEqualTo(Duration.ofSeconds(30));
    assertThat(parse("lbkit:///a.test:80,b.test:80?refresh=10s").refresh())
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(parse("lbkit:///a.test:80?refresh=500ms").refresh())
        .isEqualTo(Duration.ofMillis(500));
    assertThat(parse("lbkit:///a.test:80?refresh=10ms").refresh()).isEqualTo(Duration.ofMillis(10));
    assertThat(parse("lbkit:///a.test:80?refresh=1.5m").refresh())
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(parse("lbkit:///a.test:80?refresh=2h").refresh()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void theAuthorityNamesTheDnsServer() {
    assertThat(parse("lbkit:///a.test:80").dnsServer()).isNull();
    assertThat(parse("lbkit://10.0.0.53/a.test:80").dnsServer()).isEqualTo("10.0.0.53:53");
    assertThat(parse("lbkit://127.0.0.1:5353/srv:_grpc._tcp.a.test").dnsServer())
        .isEqualTo("127.0.0.1:5353");
    assertThat(parse("lbkit://[::1]:5353/a.test:80").dnsServer()).isEqualTo("[::1]:5353");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "lbkit:///a.test:80?refresh=0s|refresh must be a duration from 10ms to 24h",
        "lbkit:///a.test:80?refresh=5ms|refresh must be a duration from 10ms to 24h",
        "lbkit:///a.test:80?refresh=30|refresh must be a duration from 10ms to 24h",
        "lbkit:///a.test:80?refresh=abc|refresh must be a duration from 10ms to 24h",
        "lbkit:///a.test:80?refresh=2d|refresh must be a duration from 10ms to 24h",
        "lbkit:///a.test:80?refresh=1s,b.test:80?refresh=2s|refresh is set more than once",
        "lbkit://dns.test/a.test:80|an authority ('dns.test') is not supported unless it is the IP"
            + " address of the DNS server",
        "lbkit://10.0.0.53:0/a.test:80|an authority ('10.0.0.53:0') is not supported",
        "lbkit:///a..test:80|entry 1 ('a..test:80'): host must be a DNS name",
      })
  void malformedTargetIsRejectedNamingTheValue(String target, String reason) {
    assertThatThrownBy(() -> parse(target))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid lbkit target '" + target + "'")
        .hasMessageContaining(reason);
  }

  /**
   * A new pod (a second A record) gets calls without a new channel; a removed one stops. The
   * channel is built the way applications build it, its resolver found by the target's scheme.
   */
  @Test
  void channelFollowsTheRecordsOfARealDnsServer() throws Exception {
    Backend first = grpc.add(Backend.netty("pod-1"));
    Backend second = grpc.add(Backend.netty("pod-2", LO2, first.port()));
    Dnsmasq d = Dnsmasq.start("host-record=inventory.test,127.0.0.1");
    dns = d;
    ManagedChannel channel =
        grpc.add(
            ManagedChannelBuilder.forTarget(
                    "lbkit://" + d.address() + "/inventory.test:" + first.port() + "?refresh=100ms")
                .usePlaintext()
                .defaultLoadBalancingPolicy(LbkitPolicies.ROUND_ROBIN)
                .build());
    for (int i = 0; i < 5; i++) {
      assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isEqualTo("pod-1");
    }

    d.restart("host-record=inventory.test,127.0.0.1", "host-record=inventory.test,127.0.0.2");
    GrpcTestSupport.await(
        Duration.ofSeconds(30),
        () -> Backend.call(channel, Backend.CALL_DEADLINE_MILLIS).equals("pod-2"));

    d.restart("host-record=inventory.test,127.0.0.2");
    GrpcTestSupport.await(
        Duration.ofSeconds(30),
        () -> {
          int before = first.calls.get();
          for (int i = 0; i < 4; i++) {
            Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          }
          return first.calls.get() == before;
        });
    int servedByFirst = first.calls.get();
    for (int i = 0; i < 10; i++) {
      assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isEqualTo("pod-2");
    }
    assertThat(first.calls.get()).isEqualTo(servedByFirst);
    assertThat(second.calls.get()).isPositive();
  }

  // ---------------------------------------------------------------------------------------------

  private static LbkitTarget parse(String target) {
    return LbkitTarget.parse(URI.create(target));
  }

  private static InetSocketAddress socket(InetAddress address) {
    return new InetSocketAddress(address, 8080);
  }

  private static InetAddress address(String literal) {
    return com.google.common.net.InetAddresses.forString(literal);
  }
}
