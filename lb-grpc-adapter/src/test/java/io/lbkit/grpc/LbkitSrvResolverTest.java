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
import static io.lbkit.grpc.ResolverHarness.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.net.InetAddresses;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.lbkit.core.Dnsmasq;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SRV entries in {@code lbkit:} targets ({@code srv:_grpc._tcp.name}), looked up by core's DNS
 * discovery against a real DNS server (dnsmasq on loopback) whose records change during the test:
 * addresses carry the record's port and weight, only the lowest priority value is used, and records
 * are looked up again like host names.
 */
class LbkitSrvResolverTest {
  private static final String NAME = "_grpc._tcp.inventory.test";
  private static final InetAddress LO1 = InetAddresses.forString("127.0.0.1");
  private static final InetAddress LO2 = InetAddresses.forString("127.0.0.2");
  private static final InetAddress LO3 = InetAddresses.forString("127.0.0.3");

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
  void recordsBecomeAddressesWithTheirPortsAndWeightsLookedUpOnTheOffloadExecutor()
      throws Exception {
    dns =
        Dnsmasq.start(
            "host-record=a.test,127.0.0.1",
            "host-record=a.test,127.0.0.2",
            "host-record=b.test,127.0.0.2",
            "srv-host=" + NAME + ",a.test,9001,0,5",
            "srv-host=" + NAME + ",b.test,9002,0,0");
    NameResolver r = resolver.start("lbkit://" + dns.address() + "/srv:" + NAME + "?zone=eu-1");
    List<EquivalentAddressGroup> groups = resolver.awaitResult(1);

    assertThat(addresses(groups))
        .containsExactly(
            new InetSocketAddress(LO1, 9001),
            new InetSocketAddress(LO2, 9001),
            new InetSocketAddress(LO2, 9002));
    // Every address of a record gets the record's weight; an SRV weight of 0 counts as 1.
    assertThat(weights(groups)).containsExactly(5.0, 5.0, 1.0);
    assertThat(groups)
        .allSatisfy(g -> assertThat(g.getAttributes().get(LbkitPolicies.ZONE)).isEqualTo("eu-1"));
    // The look-up ran on the offload executor (its task ends just after the delivery).
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> resolver.offloaded.get() > 0);
    assertThat(r.getServiceAuthority()).isEqualTo(NAME);
  }

  @Test
  void onlyTheLowestPriorityGroupIsUsedAndTheNextTakesOverWhenItIsGone() throws Exception {
    dns =
        Dnsmasq.start(
            "host-record=primary.test,127.0.0.1",
            "host-record=backup.test,127.0.0.2",
            "srv-host=" + NAME + ",backup.test,9002,20,1",
            "srv-host=" + NAME + ",primary.test,9001,10,1");
    resolver.start("lbkit://" + dns.address() + "/srv:" + NAME);
    assertThat(addresses(resolver.awaitResult(1)))
        .containsExactly(new InetSocketAddress(LO1, 9001));

    dns.restart("host-record=backup.test,127.0.0.2", "srv-host=" + NAME + ",backup.test,9002,20,1");
    resolver.refreshAndWait();
    assertThat(resolver.results).hasSize(2);
    assertThat(addresses(resolver.results.get(1)))
        .containsExactly(new InetSocketAddress(LO2, 9002));
  }

  @Test
  void recordsThatAppearAndDisappearArePublishedOnRefreshAndUnchangedOnesAreNot() throws Exception {
    dns = Dnsmasq.start("host-record=a.test,127.0.0.1", "srv-host=" + NAME + ",a.test,9001,0,1");
    resolver.start("lbkit://" + dns.address() + "/srv:" + NAME + ",127.0.0.3:7000");
    assertThat(addresses(resolver.awaitResult(1)))
        .containsExactly(new InetSocketAddress(LO1, 9001), new InetSocketAddress(LO3, 7000));

    dns.restart(
        "host-record=a.test,127.0.0.1",
        "host-record=b.test,127.0.0.2",
        "srv-host=" + NAME + ",a.test,9001,0,1",
        "srv-host=" + NAME + ",b.test,9002,0,2");
    resolver.refreshAndWait();
    assertThat(resolver.results).hasSize(2);
    assertThat(addresses(resolver.results.get(1)))
        .containsExactly(
            new InetSocketAddress(LO1, 9001),
            new InetSocketAddress(LO2, 9002),
            new InetSocketAddress(LO3, 7000));

    resolver.refreshAndWait(); // same records: looked up, not published
    assertThat(resolver.results).hasSize(2);

    dns.restart("host-record=b.test,127.0.0.2", "srv-host=" + NAME + ",b.test,9002,0,2");
    resolver.refreshAndWait();
    assertThat(resolver.results).hasSize(3);
    assertThat(addresses(resolver.results.get(2)))
        .containsExactly(new InetSocketAddress(LO2, 9002), new InetSocketAddress(LO3, 7000));

    // A weight change alone is a change too: the balancer must see it.
    dns.restart("host-record=b.test,127.0.0.2", "srv-host=" + NAME + ",b.test,9002,0,7");
    resolver.refreshAndWait();
    assertThat(resolver.results).hasSize(4);
    assertThat(weights(resolver.results.get(3))).containsExactly(7.0, 1.0);
    assertThat(resolver.errors).isEmpty();
    assertThat(resolver.timer.getQueue()).hasSize(1); // one periodic look-up pending
  }

  @Test
  void periodicRefreshFindsNewRecords() throws Exception {
    dns = Dnsmasq.start("host-record=a.test,127.0.0.1", "srv-host=" + NAME + ",a.test,9001,0,1");
    resolver.start("lbkit://" + dns.address() + "/srv:" + NAME + "?refresh=50ms");
    resolver.awaitResult(1);
    dns.restart(
        "host-record=a.test,127.0.0.1",
        "host-record=b.test,127.0.0.2",
        "srv-host=" + NAME + ",a.test,9001,0,1",
        "srv-host=" + NAME + ",b.test,9002,0,1");
    assertThat(addresses(resolver.awaitResult(2)))
        .containsExactly(new InetSocketAddress(LO1, 9001), new InetSocketAddress(LO2, 9002));
  }

  @Test
  void failedSrvLookupIsUnavailableNamingTheSrvNameAndLaterKeepsTheLastRecords() throws Exception {
    dns = Dnsmasq.start("host-record=a.test,127.0.0.1");
    resolver.start("lbkit://" + dns.address() + "/srv:" + NAME);
    Status error = resolver.awaitError(1);
    assertThat(resolver.results).isEmpty();
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription()).contains("cannot resolve 'srv:" + NAME + "' (");
    assertThat(error.getCause()).isNotNull();

    dns.restart("host-record=a.test,127.0.0.1", "srv-host=" + NAME + ",a.test,9001,0,1");
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          resolver.refreshAndWait();
          return resolver.results.size() == 1;
        });
    int errors = resolver.errors.size();

    // A DNS outage keeps the last records: nothing published, no error reported.
    dns.stop();
    resolver.refreshAndWait();
    assertThat(resolver.results).hasSize(1);
    assertThat(resolver.errors).hasSize(errors);
  }

  @Test
  void aTargetWithoutAddressIsUnavailableNamingTheSrvNameAndTheTarget() throws Exception {
    dns = Dnsmasq.start("srv-host=" + NAME + ",gone.test,9001,0,1");
    resolver.start("lbkit://" + dns.address() + "/srv:" + NAME);
    Status error = resolver.awaitError(1);
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription())
        .contains("'srv:" + NAME + "'")
        .contains("no address for the SRV targets of " + NAME)
        .contains("gone.test");
  }

  @Test
  void srvEntriesParse() {
    LbkitTarget.Entry e = parse("lbkit:///srv:" + NAME + ".?zone=a&refresh=10s,SRV:_x._udp.b.test");
    assertThat(e.srv).isTrue();
    assertThat(e.host).isEqualTo(NAME); // the root dot is dropped
    assertThat(e.zone).isEqualTo("a");
    assertThat(e.isLiteral()).isFalse();
    assertThat(LbkitTarget.parse(URI.create("lbkit:///srv:" + NAME + "?refresh=10s")).refresh())
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(parse("lbkit:///SRV:_x._udp.b.test").srv).isTrue();
    // A host named srv with a port is what it always was.
    LbkitTarget.Entry host = parse("lbkit:///srv:8080");
    assertThat(host.srv).isFalse();
    assertThat(host.host).isEqualTo("srv");
    assertThat(host.port).isEqualTo(8080);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "lbkit:///srv:|entry 1 ('srv:'): an SRV name is required after 'srv:'",
        "lbkit:///srv:_grpc._tcp.a.test:8080|an SRV entry takes no port",
        "lbkit:///srv:_grpc._tcp.a.test?weight=2|an SRV entry takes no weight",
        "lbkit:///srv:_grpc._tcp.a.test?port=2|unknown parameter 'port' on an SRV entry",
        "lbkit:///srv:_grpc..a.test|malformed SRV name '_grpc..a.test'",
        "lbkit:///srv:_grpc%20x.a.test|malformed SRV name '_grpc x.a.test'",
        "lbkit:///srv:a.test?zone=|zone must not be blank",
        "lbkit:///srv:a.test?zone|expected name=value but found 'zone'",
        "lbkit:///srv:a.test?refresh=30|refresh must be a duration from 10ms to 24h",
        "lbkit:///srv:a.test?zone=a&|expected name=value but found ''",
        "lbkit:///srv:a.test?refresh=1s,srv:b.test?refresh=2s|refresh is set more than once",
      })
  void malformedSrvEntryIsRejectedWithAClearMessage(String target, String reason) {
    assertThatThrownBy(() -> parse(target))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid lbkit target")
        .hasMessageContaining(reason);
  }

  /**
   * A channel on an SRV target, built the way applications build it, calls the backends on the
   * ports the records name, and follows the records: a server added to them starts getting calls,
   * one removed stops.
   */
  @Test
  void channelFollowsTheSrvRecordsOfARealDnsServer() throws Exception {
    Backend one = grpc.add(Backend.netty("one"));
    Backend two = grpc.add(Backend.netty("two"));
    Backend three = grpc.add(Backend.netty("three"));
    Dnsmasq d =
        Dnsmasq.start(
            "host-record=pods.test,127.0.0.1",
            "srv-host=" + NAME + ",pods.test," + one.port() + ",0,1",
            "srv-host=" + NAME + ",pods.test," + two.port() + ",0,1",
            "srv-host=" + NAME + ",pods.test," + three.port() + ",1,1"); // a backup: unused
    dns = d;
    ManagedChannel channel =
        grpc.add(
            ManagedChannelBuilder.forTarget(
                    "lbkit://" + d.address() + "/srv:" + NAME + "?refresh=100ms")
                .usePlaintext()
                .defaultLoadBalancingPolicy(LbkitPolicies.ROUND_ROBIN)
                .build());
    GrpcTestSupport.await(
        Duration.ofSeconds(30),
        () -> {
          Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          return one.calls.get() > 0 && two.calls.get() > 0;
        });
    assertThat(three.calls.get()).isZero();

    // one leaves; three joins the preferred priority.
    d.restart(
        "host-record=pods.test,127.0.0.1",
        "srv-host=" + NAME + ",pods.test," + two.port() + ",0,1",
        "srv-host=" + NAME + ",pods.test," + three.port() + ",0,1");
    GrpcTestSupport.await(
        Duration.ofSeconds(30),
        () -> Backend.call(channel, Backend.CALL_DEADLINE_MILLIS).equals("three"));
    GrpcTestSupport.await(
        Duration.ofSeconds(30),
        () -> {
          int before = one.calls.get();
          for (int i = 0; i < 4; i++) {
            Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          }
          return one.calls.get() == before;
        });
    int servedByOne = one.calls.get();
    int twoBefore = two.calls.get();
    int threeBefore = three.calls.get();
    for (int i = 0; i < 10; i++) {
      Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
    }
    assertThat(one.calls.get()).isEqualTo(servedByOne);
    assertThat(two.calls.get() - twoBefore).isEqualTo(5);
    assertThat(three.calls.get() - threeBefore).isEqualTo(5);
  }

  // ---------------------------------------------------------------------------------------------

  private static LbkitTarget.Entry parse(String target) {
    return LbkitTarget.parse(URI.create(target)).entries().get(0);
  }
}
