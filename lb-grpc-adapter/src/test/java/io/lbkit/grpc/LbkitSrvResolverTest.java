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
import io.grpc.ChannelLogger;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import javax.naming.CommunicationException;
import javax.naming.NamingException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SRV entries in {@code lbkit:} targets ({@code srv:_grpc._tcp.name}): records come from a fake SRV
 * lookup and their hosts from a fake host lookup, so no DNS server is involved; addresses carry the
 * record's port and weight, only the lowest priority value is used, and records are re-resolved
 * like host names.
 */
class LbkitSrvResolverTest {
  private static final String NAME = "_grpc._tcp.inventory.internal";
  private static final InetAddress LO1 = InetAddresses.forString("127.0.0.1");
  private static final InetAddress LO2 = InetAddresses.forString("127.0.0.2");
  private static final InetAddress LO3 = InetAddresses.forString("127.0.0.3");

  private final SynchronizationContext syncContext =
      new SynchronizationContext(
          (t, e) -> {
            throw new AssertionError(e);
          });
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final ExecutorService offload =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "offload-test"));
  private final FakeHosts hosts = new FakeHosts();
  private final FakeSrv srv = new FakeSrv();
  private final Recorder listener = new Recorder();
  private final GrpcTestSupport grpc = new GrpcTestSupport();
  private @Nullable NameResolver resolver;

  LbkitSrvResolverTest() {
    timer.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void stop() throws Exception {
    NameResolver r = resolver;
    if (r != null) {
      syncContext.execute(r::shutdown);
    }
    grpc.close();
    timer.shutdownNow();
    offload.shutdownNow();
  }

  @Test
  void recordsBecomeAddressesWithTheirPortsAndWeightsLookedUpOffTheChannelThreads() {
    hosts.put("a.internal", LO1, LO2);
    hosts.put("b.internal", LO2);
    srv.set(
        record(0, 5, 9001, "a.internal."),
        record(0, 0, 9002, "b.internal."),
        record(0, 3, 9003, "127.0.0.3"));
    start("lbkit:///srv:" + NAME + "?zone=eu-1", offload);
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> listener.results.size() == 1);

    List<EquivalentAddressGroup> groups = listener.results.get(0);
    assertThat(addresses(groups))
        .containsExactly(
            new InetSocketAddress(LO1, 9001),
            new InetSocketAddress(LO2, 9001),
            new InetSocketAddress(LO2, 9002),
            new InetSocketAddress(LO3, 9003));
    // Every address of a record gets the record's weight; an SRV weight of 0 counts as 1.
    assertThat(weights(groups)).containsExactly(5.0, 5.0, 1.0, 3.0);
    assertThat(groups)
        .allSatisfy(g -> assertThat(g.getAttributes().get(LbkitPolicies.ZONE)).isEqualTo("eu-1"));
    assertThat(srv.names).containsOnly(NAME);
    assertThat(hosts.looked).containsExactlyInAnyOrder("a.internal", "b.internal");
    assertThat(srv.threads).containsOnly("offload-test");
    assertThat(Objects.requireNonNull(resolver).getServiceAuthority()).isEqualTo(NAME);
  }

  @Test
  void onlyTheLowestPriorityGroupIsUsedAndTheNextTakesOverWhenItIsGone() {
    hosts.put("primary.internal", LO1);
    hosts.put("backup.internal", LO2);
    srv.set(
        record(20, 1, 9002, "backup.internal"),
        record(10, 1, 9001, "primary.internal"),
        record(5, 1, 9000, ".")); // "not offered here": ignored, not the lowest group
    start("lbkit:///srv:" + NAME, Runnable::run);
    assertThat(addresses(listener.results.get(0)))
        .containsExactly(new InetSocketAddress(LO1, 9001));
    assertThat(hosts.looked).doesNotContain("backup.internal");

    srv.set(record(20, 1, 9002, "backup.internal"));
    refresh();
    assertThat(listener.results).hasSize(2);
    assertThat(addresses(listener.results.get(1)))
        .containsExactly(new InetSocketAddress(LO2, 9002));
  }

  @Test
  void recordsThatAppearAndDisappearArePublishedOnRefreshAndUnchangedOnesAreNot() {
    srv.set(record(0, 1, 9001, "127.0.0.1"));
    start("lbkit:///srv:" + NAME + ",127.0.0.3:7000", Runnable::run);
    assertThat(addresses(listener.results.get(0)))
        .containsExactly(new InetSocketAddress(LO1, 9001), new InetSocketAddress(LO3, 7000));

    srv.set(record(0, 1, 9001, "127.0.0.1"), record(0, 2, 9002, "127.0.0.2"));
    refresh();
    assertThat(listener.results).hasSize(2);
    assertThat(addresses(listener.results.get(1)))
        .containsExactly(
            new InetSocketAddress(LO1, 9001),
            new InetSocketAddress(LO2, 9002),
            new InetSocketAddress(LO3, 7000));

    refresh(); // same records: looked up, not published
    assertThat(srv.lookups.get()).isEqualTo(3);
    assertThat(listener.results).hasSize(2);

    srv.set(record(0, 2, 9002, "127.0.0.2"));
    refresh();
    assertThat(listener.results).hasSize(3);
    assertThat(addresses(listener.results.get(2)))
        .containsExactly(new InetSocketAddress(LO2, 9002), new InetSocketAddress(LO3, 7000));

    // A weight change alone is a change too: the balancer must see it.
    srv.set(record(0, 7, 9002, "127.0.0.2"));
    refresh();
    assertThat(listener.results).hasSize(4);
    assertThat(weights(listener.results.get(3))).containsExactly(7.0, 1.0);
    assertThat(listener.errors).isEmpty();
    assertThat(timer.getQueue()).hasSize(1); // one periodic refresh pending
  }

  @Test
  void periodicRefreshFindsNewRecords() {
    srv.set(record(0, 1, 9001, "127.0.0.1"));
    start("lbkit:///srv:" + NAME + "?refresh=20ms", Runnable::run);
    srv.set(record(0, 1, 9001, "127.0.0.1"), record(0, 1, 9002, "127.0.0.2"));
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> listener.results.size() == 2);
    assertThat(addresses(listener.results.get(1)))
        .containsExactly(new InetSocketAddress(LO1, 9001), new InetSocketAddress(LO2, 9002));
  }

  @Test
  void failedSrvLookupIsUnavailableNamingTheSrvNameAndKeepsLastRecordsLater() {
    srv.failure = new CommunicationException("DNS error");
    start("lbkit:///srv:" + NAME, Runnable::run);
    assertThat(listener.results).isEmpty();
    assertThat(listener.errors).hasSize(1);
    Status error = listener.errors.get(0);
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription()).contains("SRV '" + NAME + "'").contains("DNS error");

    srv.failure = null;
    hosts.put("a.internal", LO1);
    srv.set(record(0, 1, 9001, "a.internal"));
    refresh();
    assertThat(listener.results).hasSize(1);

    // A DNS hiccup keeps the last records, and their hosts are still looked up again.
    srv.failure = new CommunicationException("timeout");
    hosts.put("a.internal", LO1, LO2);
    refresh();
    assertThat(listener.errors).hasSize(1);
    assertThat(listener.results).hasSize(2);
    assertThat(addresses(listener.results.get(1)))
        .containsExactly(new InetSocketAddress(LO1, 9001), new InetSocketAddress(LO2, 9001));
  }

  @Test
  void noRecordsOrAnUnresolvableTargetIsUnavailableNamingBoth() {
    start("lbkit:///srv:" + NAME, Runnable::run); // the name has no SRV records
    assertThat(listener.errors).hasSize(1);
    assertThat(listener.errors.get(0).getDescription())
        .contains("SRV '" + NAME + "'")
        .contains("no SRV records");

    srv.set(record(0, 1, 9001, "gone.internal"));
    refresh();
    assertThat(listener.errors).hasSize(2);
    assertThat(listener.errors.get(1).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(listener.errors.get(1).getDescription())
        .contains("'gone.internal' of SRV '" + NAME + "'");
  }

  @Test
  void srvEntriesParse() {
    LbkitNameResolvers.Entry e =
        parse("lbkit:///srv:" + NAME + ".?zone=a&refresh=10s,SRV:_x._udp.b.test").get(0);
    assertThat(e.srv).isTrue();
    assertThat(e.host).isEqualTo(NAME); // the root dot is dropped
    assertThat(e.zone).isEqualTo("a");
    assertThat(e.isLiteral()).isFalse();
    assertThat(LbkitNameResolvers.refreshInterval(parse("lbkit:///srv:" + NAME + "?refresh=10s")))
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(parse("lbkit:///SRV:_x._udp.b.test").get(0).srv).isTrue();
    // A host named srv with a port is what it always was.
    LbkitNameResolvers.Entry host = parse("lbkit:///srv:8080").get(0);
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
        "lbkit:///srv:a.test?refresh=1s,srv:b.test?refresh=2s|refresh is set more than once",
      })
  void malformedSrvEntryIsRejectedWithAClearMessage(String target, String reason) {
    assertThatThrownBy(() -> parse(target))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid lbkit target")
        .hasMessageContaining(reason);
  }

  @Test
  void recordTextFromTheDnsProviderParses() {
    LbkitNameResolvers.SrvRecord r =
        LbkitNameResolvers.SrvRecord.parse("10 60 5060 bigbox.example.com.");
    assertThat(r.priority).isEqualTo(10);
    assertThat(r.weight).isEqualTo(60);
    assertThat(r.port).isEqualTo(5060);
    assertThat(r.target).isEqualTo("bigbox.example.com");
    assertThat(r.isUsable()).isTrue();
    assertThat(LbkitNameResolvers.SrvRecord.parse("0 0 1 .").isUsable()).isFalse();
    assertThatThrownBy(() -> LbkitNameResolvers.SrvRecord.parse("10 60 bigbox.example.com."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed SRV record");
    assertThatThrownBy(() -> LbkitNameResolvers.SrvRecord.parse("10 60 70000 a.test."))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** A channel on an SRV target reaches the backends on the ports the records name. */
  @Test
  void channelCallsBackendsOnTheRecordsPorts() throws Exception {
    Backend first = grpc.add(Backend.netty("one"));
    Backend second = grpc.add(Backend.netty("two"));
    hosts.put("pods.internal", LO1);
    srv.set(
        record(0, 1, first.port(), "pods.internal"), record(0, 1, second.port(), "pods.internal"));
    @SuppressWarnings("deprecation") // the way to give one channel its own resolver provider
    NettyChannelBuilder builder =
        NettyChannelBuilder.forTarget("lbkit:///srv:" + NAME)
            .nameResolverFactory(new LbkitNameResolvers.Provider(hosts, srv));
    ManagedChannel channel =
        grpc.add(
            builder.usePlaintext().defaultLoadBalancingPolicy(LbkitPolicies.ROUND_ROBIN).build());
    List<String> served = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      served.add(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS));
    }
    assertThat(served).contains("one", "two");
  }

  // ---------------------------------------------------------------------------------------------

  private static LbkitNameResolvers.SrvRecord record(
      int priority, int weight, int port, String target) {
    return LbkitNameResolvers.SrvRecord.parse(priority + " " + weight + " " + port + " " + target);
  }

  private static List<LbkitNameResolvers.Entry> parse(String target) {
    return LbkitNameResolvers.parse(URI.create(target));
  }

  private static List<InetSocketAddress> addresses(List<EquivalentAddressGroup> groups) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (EquivalentAddressGroup g : groups) {
      g.getAddresses().forEach(a -> out.add((InetSocketAddress) a));
    }
    return out;
  }

  private static List<Double> weights(List<EquivalentAddressGroup> groups) {
    List<Double> out = new ArrayList<>();
    for (EquivalentAddressGroup g : groups) {
      out.add(Objects.requireNonNull(g.getAttributes().get(LbkitPolicies.WEIGHT)));
    }
    return out;
  }

  private void start(String target, Executor offloadExecutor) {
    NameResolver r =
        Objects.requireNonNull(
            new LbkitNameResolvers.Provider(hosts, srv)
                .newNameResolver(URI.create(target), args(offloadExecutor)));
    resolver = r;
    syncContext.execute(() -> r.start(listener));
  }

  private void refresh() {
    NameResolver r = Objects.requireNonNull(resolver);
    syncContext.execute(r::refresh);
  }

  private NameResolver.Args args(Executor offloadExecutor) {
    return NameResolver.Args.newBuilder()
        .setDefaultPort(443)
        .setProxyDetector(address -> null)
        .setSynchronizationContext(syncContext)
        .setScheduledExecutorService(timer)
        .setOffloadExecutor(offloadExecutor)
        .setServiceConfigParser(
            new NameResolver.ServiceConfigParser() {
              @Override
              public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> raw) {
                return NameResolver.ConfigOrError.fromConfig(raw);
              }
            })
        .setChannelLogger(
            new ChannelLogger() {
              @Override
              public void log(ChannelLogLevel level, String message) {}

              @Override
              public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
            })
        .build();
  }

  /** A/AAAA records that tests set per host; an unknown host fails like DNS would. */
  private static final class FakeHosts implements LbkitNameResolvers.HostLookup {
    final Map<String, InetAddress[]> records = new ConcurrentHashMap<>();
    final List<String> looked = new CopyOnWriteArrayList<>();

    void put(String host, InetAddress... addresses) {
      records.put(host, addresses.clone());
    }

    @Override
    public InetAddress[] lookup(String host) throws UnknownHostException {
      looked.add(host);
      InetAddress[] found = records.get(host);
      if (found == null) {
        throw new UnknownHostException(host + ": Name or service not known");
      }
      return found.clone();
    }
  }

  /** SRV records that tests set; counts lookups and the names and threads they ran with. */
  private static final class FakeSrv implements LbkitNameResolvers.SrvLookup {
    volatile List<LbkitNameResolvers.SrvRecord> records = List.of();
    volatile @Nullable NamingException failure;
    final AtomicInteger lookups = new AtomicInteger();
    final List<String> names = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    void set(LbkitNameResolvers.SrvRecord... rs) {
      records = List.of(rs);
    }

    @Override
    public List<LbkitNameResolvers.SrvRecord> lookup(String name) throws NamingException {
      lookups.incrementAndGet();
      names.add(name);
      threads.add(Thread.currentThread().getName());
      NamingException f = failure;
      if (f != null) {
        throw f;
      }
      return records;
    }
  }

  /** Records what the resolver tells the channel. */
  private static final class Recorder extends NameResolver.Listener2 {
    final List<List<EquivalentAddressGroup>> results = new CopyOnWriteArrayList<>();
    final List<Status> errors = new CopyOnWriteArrayList<>();

    @Override
    public void onResult(NameResolver.ResolutionResult result) {
      results.add(result.getAddresses());
    }

    @Override
    public void onError(Status error) {
      errors.add(error);
    }
  }
}
