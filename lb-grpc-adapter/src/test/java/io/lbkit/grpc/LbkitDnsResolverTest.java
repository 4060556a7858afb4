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
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Host names in {@code lbkit:} targets: every DNS record becomes an address, looked up off the
 * channel's threads, again periodically and on request. Records come from a fake lookup (or the
 * local {@code localhost}); no DNS server is involved.
 */
class LbkitDnsResolverTest {
  private static final InetAddress LO1 = InetAddresses.forString("127.0.0.1");
  private static final InetAddress LO2 = InetAddresses.forString("127.0.0.2");

  private final SynchronizationContext syncContext =
      new SynchronizationContext(
          (t, e) -> {
            throw new AssertionError(e);
          });
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final ExecutorService offload =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "offload-test"));
  private final FakeLookup dns = new FakeLookup();
  private final Recorder listener = new Recorder();
  private final GrpcTestSupport grpc = new GrpcTestSupport();
  private @Nullable NameResolver resolver;

  LbkitDnsResolverTest() {
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
  void localhostBecomesOneAddressPerRecordLookedUpOffTheChannelThreads() throws Exception {
    dns.delegate = InetAddress::getAllByName;
    start("lbkit:///localhost:8080", offload);
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> listener.results.size() == 1);

    List<InetSocketAddress> expected = new ArrayList<>();
    for (InetAddress a : InetAddress.getAllByName("localhost")) {
      expected.add(new InetSocketAddress(a, 8080));
    }
    assertThat(addresses(listener.results.get(0))).containsExactlyElementsOf(expected);
    assertThat(addresses(listener.results.get(0)))
        .allSatisfy(
            a -> assertThat(((InetSocketAddress) a).getAddress().isLoopbackAddress()).isTrue());
    assertThat(dns.threads).containsOnly("offload-test");
  }

  @Test
  void recordsThatAppearAndDisappearArePublishedOnRefreshAndUnchangedOnesAreNot() {
    dns.records.set(new InetAddress[] {LO1});
    start("lbkit:///inventory.internal:8080?weight=2&zone=z", Runnable::run);
    assertThat(listener.results).hasSize(1);
    assertThat(addresses(listener.results.get(0))).containsExactly(socket(LO1));
    EquivalentAddressGroup group = listener.results.get(0).get(0);
    assertThat(group.getAttributes().get(LbkitPolicies.WEIGHT)).isEqualTo(2.0);
    assertThat(group.getAttributes().get(LbkitPolicies.ZONE)).isEqualTo("z");

    dns.records.set(new InetAddress[] {LO1, LO2});
    refresh();
    assertThat(listener.results).hasSize(2);
    assertThat(addresses(listener.results.get(1))).containsExactly(socket(LO1), socket(LO2));

    refresh(); // same records: looked up, not published
    assertThat(dns.lookups.get()).isEqualTo(3);
    assertThat(listener.results).hasSize(2);

    dns.records.set(new InetAddress[] {LO2});
    refresh();
    assertThat(listener.results).hasSize(3);
    assertThat(addresses(listener.results.get(2))).containsExactly(socket(LO2));
    assertThat(listener.errors).isEmpty();
    // One periodic refresh pending at a time, however many refreshes ran.
    assertThat(timer.getQueue()).hasSize(1);
  }

  @Test
  void periodicRefreshFindsNewRecordsAndShutdownStopsTheTimer() {
    dns.records.set(new InetAddress[] {LO1});
    start("lbkit:///inventory.internal:8080?refresh=20ms", Runnable::run);
    dns.records.set(new InetAddress[] {LO1, LO2});
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> listener.results.size() == 2);
    assertThat(addresses(listener.results.get(1))).containsExactly(socket(LO1), socket(LO2));

    syncContext.execute(Objects.requireNonNull(resolver)::shutdown);
    resolver = null;
    // The timer thread may be inside the synchronization context when shutdown is queued; once
    // shutdown has run, the pending refresh is cancelled and no new one is scheduled.
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> timer.getQueue().isEmpty());
    int lookups = dns.lookups.get();
    syncContext.execute(() -> {}); // runs nothing late: shutdown is done
    assertThat(timer.getQueue()).isEmpty();
    assertThat(dns.lookups.get()).isEqualTo(lookups);
  }

  @Test
  void failedLookupIsUnavailableNamingTheHostAndKeepsLastGoodAddressesLater() {
    dns.failure = new UnknownHostException("inventory.internal: Name or service not known");
    start("lbkit:///inventory.internal:8080", Runnable::run);
    assertThat(listener.results).isEmpty();
    assertThat(listener.errors).hasSize(1);
    Status error = listener.errors.get(0);
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription()).contains("'inventory.internal'");

    dns.failure = null;
    dns.records.set(new InetAddress[] {LO1});
    refresh();
    assertThat(listener.results).hasSize(1);

    // A DNS hiccup: the host keeps its addresses; nothing is published, no error reported.
    dns.failure = new UnknownHostException("timeout");
    refresh();
    assertThat(listener.results).hasSize(1);
    assertThat(listener.errors).hasSize(1);
  }

  @Test
  void literalTargetIsResolvedOnceWithoutLookupOrTimer() {
    start("lbkit:///127.0.0.1:8080,127.0.0.2:8080", Runnable::run);
    refresh();
    assertThat(listener.results).hasSize(1);
    assertThat(addresses(listener.results.get(0))).containsExactly(socket(LO1), socket(LO2));
    assertThat(dns.lookups.get()).isZero();
    assertThat(timer.getQueue()).isEmpty();
  }

  @Test
  void refreshIntervalComesFromTheTarget() {
    assertThat(LbkitNameResolvers.refreshInterval(parse("lbkit:///a.test:80")))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(
            LbkitNameResolvers.refreshInterval(parse("lbkit:///a.test:80,b.test:80?refresh=10s")))
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(LbkitNameResolvers.refreshInterval(parse("lbkit:///a.test:80?refresh=500ms")))
        .isEqualTo(Duration.ofMillis(500));
    assertThat(LbkitNameResolvers.refreshInterval(parse("lbkit:///a.test:80?refresh=1.5m")))
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(LbkitNameResolvers.refreshInterval(parse("lbkit:///a.test:80?refresh=2h")))
        .isEqualTo(Duration.ofHours(2));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "lbkit:///a.test:80?refresh=0s|refresh must be a positive duration",
        "lbkit:///a.test:80?refresh=30|refresh must be a positive duration",
        "lbkit:///a.test:80?refresh=abc|refresh must be a positive duration",
        "lbkit:///a.test:80?refresh=2d|refresh must be a positive duration",
        "lbkit:///a.test:80?refresh=1s,b.test:80?refresh=2s|refresh is set more than once",
      })
  void malformedRefreshIsRejected(String target, String reason) {
    assertThatThrownBy(() -> parse(target))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(reason);
  }

  /** A new pod (a second A record) gets calls without a new channel; a removed one stops. */
  @Test
  void channelFindsNewPodsThroughPeriodicResolution() throws Exception {
    Backend first = grpc.add(Backend.netty("pod-1"));
    Backend second = grpc.add(Backend.netty("pod-2", LO2, first.port()));
    dns.records.set(new InetAddress[] {LO1});
    @SuppressWarnings("deprecation") // the way to give one channel its own resolver provider
    NettyChannelBuilder builder =
        NettyChannelBuilder.forTarget("lbkit:///inventory.test:" + first.port() + "?refresh=20ms")
            .nameResolverFactory(new LbkitNameResolvers.Provider(dns));
    ManagedChannel channel =
        grpc.add(
            builder.usePlaintext().defaultLoadBalancingPolicy(LbkitPolicies.ROUND_ROBIN).build());
    for (int i = 0; i < 5; i++) {
      assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isEqualTo("pod-1");
    }

    dns.records.set(new InetAddress[] {LO1, LO2});
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> Backend.call(channel, Backend.CALL_DEADLINE_MILLIS).equals("pod-2"));

    dns.records.set(new InetAddress[] {LO2});
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
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

  private static List<LbkitNameResolvers.Entry> parse(String target) {
    return LbkitNameResolvers.parse(URI.create(target));
  }

  private static InetSocketAddress socket(InetAddress address) {
    return new InetSocketAddress(address, 8080);
  }

  private static List<SocketAddress> addresses(List<EquivalentAddressGroup> groups) {
    List<SocketAddress> out = new ArrayList<>();
    for (EquivalentAddressGroup g : groups) {
      out.addAll(g.getAddresses());
    }
    return out;
  }

  private void start(String target, java.util.concurrent.Executor offloadExecutor) {
    NameResolver r =
        Objects.requireNonNull(
            new LbkitNameResolvers.Provider(dns)
                .newNameResolver(URI.create(target), args(offloadExecutor)));
    resolver = r;
    syncContext.execute(() -> r.start(listener));
  }

  private void refresh() {
    NameResolver r = Objects.requireNonNull(resolver);
    syncContext.execute(r::refresh);
  }

  private NameResolver.Args args(java.util.concurrent.Executor offloadExecutor) {
    return NameResolver.Args.newBuilder()
        .setDefaultPort(443)
        .setProxyDetector(address -> null)
        .setSynchronizationContext(syncContext)
        .setScheduledExecutorService(timer)
        .setOffloadExecutor(offloadExecutor)
        .setServiceConfigParser(
            new NameResolver.ServiceConfigParser() {
              @Override
              public NameResolver.ConfigOrError parseServiceConfig(java.util.Map<String, ?> raw) {
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

  /** DNS records that tests set; counts lookups and the threads they ran on. */
  private static final class FakeLookup implements LbkitNameResolvers.HostLookup {
    final AtomicReference<InetAddress[]> records = new AtomicReference<>(new InetAddress[0]);
    final AtomicInteger lookups = new AtomicInteger();
    final List<String> threads = new CopyOnWriteArrayList<>();
    volatile @Nullable UnknownHostException failure;
    volatile LbkitNameResolvers.@Nullable HostLookup delegate;

    @Override
    public InetAddress[] lookup(String host) throws UnknownHostException {
      lookups.incrementAndGet();
      threads.add(Thread.currentThread().getName());
      LbkitNameResolvers.HostLookup d = delegate;
      if (d != null) {
        return d.lookup(host);
      }
      UnknownHostException f = failure;
      if (f != null) {
        throw f;
      }
      InetAddress[] r = Objects.requireNonNull(records.get());
      return Arrays.copyOf(r, r.length);
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
