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

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ChannelLogger;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.lbkit.core.Outcome;
import io.lbkit.core.Server;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The balancer against a fake channel: gRPC's contract (state aggregation, connection requests,
 * re-resolution, pickers) and the lbkit bookkeeping behind it, deterministically.
 */
class LbkitGrpcLoadBalancerTest {
  private static final String CHANNEL_TARGET = "lbkit:///fake.test:1,other.test:2";
  private static final InetAddress LOOPBACK = loopback();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final FakeHelper helper = new FakeHelper();
  private @Nullable LoadBalancer lb;

  @AfterEach
  void tearDown() {
    LoadBalancer b = lb;
    if (b != null) {
      runInContext(b::shutdown);
    }
    scheduler.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void connectsEveryAddressGroupAndReportsConnecting() {
    start(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(1), addr(2), addr(3));

    assertThat(helper.subchannels).hasSize(3);
    assertThat(helper.subchannels).allSatisfy(sc -> assertThat(sc.connectionRequests).isEqualTo(1));
    assertThat(helper.state).isEqualTo(ConnectivityState.CONNECTING);
    assertThat(pick().hasResult()).isFalse();
  }

  @Test
  void picksOnlyReadySubchannels() {
    start(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(1), addr(2), addr(3));
    setState(0, ConnectivityState.READY);

    assertThat(helper.state).isEqualTo(ConnectivityState.READY);
    for (int i = 0; i < 20; i++) {
      assertThat(pick().getSubchannel()).isSameAs(helper.subchannels.get(0));
    }

    setState(2, ConnectivityState.READY);
    Map<LoadBalancer.Subchannel, Integer> counts = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      counts.merge(pick().getSubchannel(), 1, Integer::sum);
    }
    assertThat(counts)
        .containsOnlyKeys(helper.subchannels.get(0), helper.subchannels.get(2))
        .containsValues(10, 10);
  }

  @Test
  void aggregateStateFollowsTheSubchannelsWithStickyTransientFailure() {
    start(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(1), addr(2));
    setState(0, ConnectivityState.READY);
    assertThat(helper.state).isEqualTo(ConnectivityState.READY);

    Status refused = Status.UNAVAILABLE.withDescription("connection refused");
    setFailure(0, refused);
    assertThat(helper.refreshes.get()).isEqualTo(1);
    assertThat(helper.state).isEqualTo(ConnectivityState.CONNECTING); // the other is connecting

    setFailure(1, refused);
    assertThat(helper.state).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    LoadBalancer.PickResult failed = pick();
    assertThat(failed.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(failed.getStatus().getDescription()).isEqualTo("connection refused");

    // Reconnecting after a failure does not flip the channel back to CONNECTING.
    setState(0, ConnectivityState.CONNECTING);
    assertThat(helper.state).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);

    setState(1, ConnectivityState.READY);
    assertThat(helper.state).isEqualTo(ConnectivityState.READY);
    assertThat(pick().getSubchannel()).isSameAs(helper.subchannels.get(1));
  }

  @Test
  void logLinesNameTheChannelTargetAndGrpcsReasonForALostConnection() {
    String logged =
        capturingStandardError(
            () -> {
              start(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(1), addr(2));
              setState(0, ConnectivityState.READY);
              setFailure(0, Status.UNAVAILABLE.withDescription("Connection refused: 127.0.0.1"));
              setState(0, ConnectivityState.READY);
              setState(0, ConnectivityState.IDLE);
            });

    assertThat(lbkit().name()).isEqualTo(CHANNEL_TARGET);
    assertThat(logged)
        .contains(
            CHANNEL_TARGET
                + ": server "
                + addrId(1)
                + " HEALTHY -> UNHEALTHY (lost its connection (subchannel TRANSIENT_FAILURE:"
                + " UNAVAILABLE: Connection refused: 127.0.0.1))")
        .contains(
            CHANNEL_TARGET
                + ": server "
                + addrId(1)
                + " UNHEALTHY -> HEALTHY (connected again (subchannel READY))")
        .contains(
            CHANNEL_TARGET
                + ": server "
                + addrId(1)
                + " HEALTHY -> UNHEALTHY (lost its connection (subchannel IDLE: the connection"
                + " closed))")
        .doesNotContain("- fake.test:"); // the authority, the old name
  }

  /** Runs the task with standard error (where the test logger writes) captured. */
  private static String capturingStandardError(Runnable task) {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      task.run();
    } finally {
      System.setErr(original);
    }
    String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    original.print(text);
    return text;
  }

  @Test
  void idleSubchannelIsReconnectedAndNameResolutionRefreshed() {
    start(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(1));
    setState(0, ConnectivityState.READY);
    setState(0, ConnectivityState.IDLE);

    assertThat(helper.subchannels.get(0).connectionRequests).isEqualTo(2);
    assertThat(helper.refreshes.get()).isEqualTo(1);
    assertThat(helper.state).isEqualTo(ConnectivityState.CONNECTING);
    assertThat(lbkit().health(addrId(1))).hasValue(io.lbkit.core.HealthState.UNHEALTHY);
  }

  @Test
  void streamTracerCompletesThePickExactlyOnce() {
    start(LbkitPolicies.LEAST_CONNECTIONS, Map.of(), addr(1));
    setState(0, ConnectivityState.READY);

    LoadBalancer.PickResult result = pick();
    assertThat(inFlight(1)).isEqualTo(1);
    ClientStreamTracer tracer =
        result
            .getStreamTracerFactory()
            .newClientStreamTracer(
                ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata());
    assertThat(inFlight(1)).isEqualTo(1);
    tracer.streamClosed(Status.OK);
    assertThat(inFlight(1)).isZero();
    tracer.streamClosed(Status.UNAVAILABLE); // a second close must not release twice
    assertThat(inFlight(1)).isZero();
  }

  @Test
  void failuresFromTheTracerEjectTheServer() {
    start(
        LbkitPolicies.ROUND_ROBIN,
        Map.of(
            "outlierDetection",
            Map.of(
                "consecutiveFailures", 2.0, "maxEjectionPercent", 50.0, "baseEjectionTime", "60s"),
            "failureStatusCodes",
            List.of("INTERNAL")),
        addr(1),
        addr(2));
    setState(0, ConnectivityState.READY);
    setState(1, ConnectivityState.READY);

    // UNAVAILABLE is not configured as a failure here; INTERNAL is.
    for (int i = 0; i < 6; i++) {
      close(pickFor(0), Status.UNAVAILABLE);
    }
    assertThat(lbkit().health(addrId(1))).hasValue(io.lbkit.core.HealthState.HEALTHY);
    close(pickFor(0), Status.INTERNAL);
    close(pickFor(0), Status.INTERNAL);
    assertThat(lbkit().health(addrId(1))).hasValue(io.lbkit.core.HealthState.EJECTED);
    // The ejection published a new lbkit snapshot, and with it a new gRPC picker, which the
    // synchronization context installs soon after.
    awaitPicker(p -> p.toString().contains("1/2 eligible"));
    for (int i = 0; i < 10; i++) {
      assertThat(pick().getSubchannel()).isSameAs(helper.subchannels.get(1));
    }
  }

  /**
   * A picker picks from its own lbkit snapshot: it never picks a server it was not built with, and
   * a pick of a server whose subchannel stopped being ready since releases the lbkit pick and waits
   * for the next picker.
   */
  @Test
  void aStalePickerPicksFromItsOwnSnapshotAndReleasesAPickOfALostSubchannel() {
    start(LbkitPolicies.LEAST_CONNECTIONS, Map.of(), addr(1), addr(2));
    setState(0, ConnectivityState.READY);
    LoadBalancer.SubchannelPicker old = helper.picker;
    setState(1, ConnectivityState.READY); // lbkit now knows server 2, the old picker does not
    for (int i = 0; i < 20; i++) {
      LoadBalancer.PickResult r = old.pickSubchannel(args());
      assertThat(r.getSubchannel()).isSameAs(helper.subchannels.get(0));
      close(r, Status.OK);
    }

    setFailure(0, Status.UNAVAILABLE.withDescription("connection refused"));
    int noResult = 0;
    for (int i = 0; i < 4; i++) {
      LoadBalancer.PickResult r = old.pickSubchannel(args());
      assertThat(r.hasResult()).isFalse();
      assertThat(r.getStatus().isOk()).isTrue();
      noResult++;
    }
    assertThat(noResult).isEqualTo(4);
    assertThat(inFlight(1)).isZero();
  }

  /** Waits (up to a generous deadline) until the channel's picker satisfies {@code condition}. */
  private void awaitPicker(java.util.function.Predicate<LoadBalancer.SubchannelPicker> condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.test(helper.picker)) {
      assertThat(System.nanoTime() - deadline).as("picker %s", helper.picker).isNegative();
      runInContext(() -> {});
      Thread.onSpinWait();
    }
  }

  @Test
  void slowStartBeginsAtTheFirstConnectionNotAtResolution() {
    start(
        LbkitPolicies.ROUND_ROBIN, Map.of("slowStart", Map.of("window", "60s")), addr(1), addr(2));
    setState(0, ConnectivityState.READY);
    assertThat(lbkit().servers()).extracting(Server::id).containsExactly(addrId(1));
    setState(1, ConnectivityState.READY); // joins a running balancer: warms up
    assertThat(lbkit().health(addrId(2))).hasValue(io.lbkit.core.HealthState.WARMING);
    assertThat(lbkit().status(addrId(2)).orElseThrow().weightFactor()).isLessThan(1.0);
  }

  @Test
  void changedConfigRebuildsTheBalancerKeepingReadySubchannels() {
    start(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(1), addr(2));
    setState(0, ConnectivityState.READY);
    io.lbkit.core.LoadBalancer first = lbkit();

    resolve(LbkitPolicies.ROUND_ROBIN, Map.of("panicThreshold", 0.0), addr(1), addr(2));

    assertThat(lbkit()).isNotSameAs(first);
    assertThat(lbkit().servers()).extracting(Server::id).containsExactly(addrId(1));
    assertThat(helper.subchannels).hasSize(2);
    assertThat(pick().getSubchannel()).isSameAs(helper.subchannels.get(0));
  }

  @Test
  void weightAndZoneComeFromAddressAttributes() {
    start(
        LbkitPolicies.WEIGHTED_ROUND_ROBIN,
        Map.of(),
        LbkitPolicies.addressGroup(new InetSocketAddress(LOOPBACK, 1001), 3.0, "zone-a"));
    setState(0, ConnectivityState.READY);

    Server server = lbkit().servers().get(0);
    assertThat(server.id()).isEqualTo("127.0.0.1:1001");
    assertThat(server.weight()).isEqualTo(3.0);
    assertThat(server.zone()).hasValue("zone-a");
  }

  @Test
  void reResolutionRemovesAndAddsSubchannels() {
    start(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(1), addr(2));
    setState(0, ConnectivityState.READY);
    setState(1, ConnectivityState.READY);

    resolve(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(2), addr(3));

    assertThat(helper.subchannels.get(0).shutdown).isTrue();
    assertThat(helper.subchannels.get(1).shutdown).isFalse();
    assertThat(helper.subchannels).hasSize(3);
    assertThat(lbkit().servers()).extracting(Server::id).containsExactly(addrId(2));
    for (int i = 0; i < 5; i++) {
      assertThat(pick().getSubchannel()).isSameAs(helper.subchannels.get(1));
    }
  }

  @Test
  void emptyAddressListIsAnErrorAndTransientFailure() {
    start(LbkitPolicies.ROUND_ROBIN, Map.of(), addr(1));
    Status[] status = new Status[1];
    ConnectivityState[] published = new ConnectivityState[1];
    runInContext(
        () -> {
          status[0] =
              lb().acceptResolvedAddresses(
                      LoadBalancer.ResolvedAddresses.newBuilder().setAddresses(List.of()).build());
          // What this call published, read in the same context task: a picker refresh queued
          // behind it (a health listener's, on the scheduler's thread) may publish the state of
          // the subchannel that is still connecting right after, as gRPC's own policies do.
          published[0] = helper.state;
        });
    assertThat(status[0].getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(published[0]).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
  }

  @Test
  void shutdownReleasesEverySubchannel() {
    start(LbkitPolicies.PEAK_EWMA, Map.of(), addr(1), addr(2));
    runInContext(lb()::shutdown);
    assertThat(helper.subchannels).allSatisfy(sc -> assertThat(sc.shutdown).isTrue());
    lb = null;
  }

  @Test
  void outcomeOfEachStatus() {
    int defaults = LbkitConfig.DEFAULT_FAILURE_CODES;
    assertThat(LbkitPickers.outcome(Status.Code.OK, defaults)).isEqualTo(Outcome.SUCCESS);
    assertThat(LbkitPickers.outcome(Status.Code.UNAVAILABLE, defaults)).isEqualTo(Outcome.FAILURE);
    assertThat(LbkitPickers.outcome(Status.Code.RESOURCE_EXHAUSTED, defaults))
        .isEqualTo(Outcome.FAILURE);
    assertThat(LbkitPickers.outcome(Status.Code.DEADLINE_EXCEEDED, defaults))
        .isEqualTo(Outcome.TIMEOUT);
    assertThat(LbkitPickers.outcome(Status.Code.CANCELLED, defaults)).isEqualTo(Outcome.CANCELLED);
    assertThat(LbkitPickers.outcome(Status.Code.NOT_FOUND, defaults)).isEqualTo(Outcome.SUCCESS);
    assertThat(LbkitPickers.outcome(Status.Code.INTERNAL, defaults)).isEqualTo(Outcome.SUCCESS);
    assertThat(LbkitPickers.outcome(Status.Code.DEADLINE_EXCEEDED, 0)).isEqualTo(Outcome.CANCELLED);
  }

  // ---------------------------------------------------------------------------------------------

  private void start(String policy, Map<String, ?> config, EquivalentAddressGroup... groups) {
    LoadBalancerProvider provider = LoadBalancerRegistry.getDefaultRegistry().getProvider(policy);
    lb = provider.newLoadBalancer(helper);
    resolve(policy, config, groups);
  }

  private void resolve(String policy, Map<String, ?> config, EquivalentAddressGroup... groups) {
    LoadBalancerProvider provider = LoadBalancerRegistry.getDefaultRegistry().getProvider(policy);
    Object parsed = provider.parseLoadBalancingPolicyConfig(config).getConfig();
    assertThat(parsed).isNotNull();
    Status[] status = new Status[1];
    runInContext(
        () ->
            status[0] =
                lb().acceptResolvedAddresses(
                        LoadBalancer.ResolvedAddresses.newBuilder()
                            .setAddresses(List.of(groups))
                            .setLoadBalancingPolicyConfig(parsed)
                            .build()));
    assertThat(status[0].isOk()).isTrue();
  }

  private LoadBalancer lb() {
    return Objects.requireNonNull(lb, "not started");
  }

  private io.lbkit.core.LoadBalancer lbkit() {
    return Objects.requireNonNull(((LbkitGrpcLoadBalancer) lb()).lbkit(), "no lbkit balancer");
  }

  private int inFlight(int n) {
    return lbkit().status(addrId(n)).orElseThrow().inFlight();
  }

  /**
   * Runs {@code task} in the helper's synchronization context and waits until it has run. {@code
   * execute} alone may only queue the task: when lbkit's health listener has a picker refresh
   * draining the context on the scheduler's thread at that moment, the task runs there, later, and
   * an assertion right after would read the state from before it.
   */
  private void runInContext(Runnable task) {
    CountDownLatch done = new CountDownLatch(1);
    helper.syncContext.execute(
        () -> {
          try {
            task.run();
          } finally {
            done.countDown();
          }
        });
    try {
      assertThat(done.await(10, TimeUnit.SECONDS)).as("task ran in the context").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private void setState(int index, ConnectivityState state) {
    FakeSubchannel sc = helper.subchannels.get(index);
    runInContext(() -> sc.listener().onSubchannelState(ConnectivityStateInfo.forNonError(state)));
  }

  private void setFailure(int index, Status status) {
    FakeSubchannel sc = helper.subchannels.get(index);
    runInContext(
        () -> sc.listener().onSubchannelState(ConnectivityStateInfo.forTransientFailure(status)));
  }

  private LoadBalancer.PickResult pick() {
    return helper.picker.pickSubchannel(args());
  }

  /** Picks until subchannel {@code index} comes up (round robin: within a few picks). */
  private LoadBalancer.PickResult pickFor(int index) {
    for (int i = 0; i < 10; i++) {
      LoadBalancer.PickResult r = pick();
      if (r.getSubchannel() == helper.subchannels.get(index)) {
        return r;
      }
      close(r, Status.OK);
    }
    throw new AssertionError("subchannel " + index + " never picked");
  }

  private static void close(LoadBalancer.PickResult r, Status status) {
    r.getStreamTracerFactory()
        .newClientStreamTracer(ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata())
        .streamClosed(status);
  }

  private static LoadBalancer.PickSubchannelArgs args() {
    return new LoadBalancer.PickSubchannelArgs() {
      @Override
      public CallOptions getCallOptions() {
        return CallOptions.DEFAULT;
      }

      @Override
      public Metadata getHeaders() {
        return new Metadata();
      }

      @Override
      public MethodDescriptor<?, ?> getMethodDescriptor() {
        return Backend.ECHO;
      }
    };
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static EquivalentAddressGroup addr(int n) {
    return new EquivalentAddressGroup(new InetSocketAddress(LOOPBACK, 1000 + n));
  }

  private static String addrId(int n) {
    return "127.0.0.1:" + (1000 + n);
  }

  // ---------------------------------------------------------------------------------------------

  private final class FakeHelper extends LoadBalancer.Helper {
    final SynchronizationContext syncContext =
        new SynchronizationContext(
            (t, e) -> {
              throw new AssertionError(e);
            });
    final List<FakeSubchannel> subchannels = new ArrayList<>();
    final AtomicInteger refreshes = new AtomicInteger();
    // Written in the synchronization context, which may run on the scheduler's thread.
    volatile @Nullable ConnectivityState state;
    volatile LoadBalancer.SubchannelPicker picker =
        new LbkitPickers.FixedPicker(LoadBalancer.PickResult.withNoResult());

    @Override
    public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
      FakeSubchannel sc = new FakeSubchannel(args.getAddresses());
      subchannels.add(sc);
      return sc;
    }

    @Override
    public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void updateBalancingState(
        ConnectivityState newState, LoadBalancer.SubchannelPicker newPicker) {
      state = newState;
      picker = newPicker;
    }

    @Override
    public void refreshNameResolution() {
      refreshes.incrementAndGet();
    }

    @Override
    public SynchronizationContext getSynchronizationContext() {
      return syncContext;
    }

    @Override
    public ScheduledExecutorService getScheduledExecutorService() {
      return scheduler;
    }

    @Override
    public String getAuthority() {
      return "fake.test";
    }

    @Override
    public String getChannelTarget() {
      return CHANNEL_TARGET;
    }

    @Override
    public ChannelLogger getChannelLogger() {
      return new ChannelLogger() {
        @Override
        public void log(ChannelLogLevel level, String message) {}

        @Override
        public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
      };
    }
  }

  private static final class FakeSubchannel extends LoadBalancer.Subchannel {
    final List<EquivalentAddressGroup> addresses;
    int connectionRequests;
    boolean shutdown;
    LoadBalancer.@Nullable SubchannelStateListener listener;

    FakeSubchannel(List<EquivalentAddressGroup> addresses) {
      this.addresses = addresses;
    }

    LoadBalancer.SubchannelStateListener listener() {
      return Objects.requireNonNull(listener, "not started");
    }

    @Override
    public void start(LoadBalancer.SubchannelStateListener l) {
      this.listener = l;
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public void requestConnection() {
      connectionRequests++;
    }

    @Override
    public List<EquivalentAddressGroup> getAllAddresses() {
      return addresses;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.EMPTY;
    }

    @Override
    public String toString() {
      return "FakeSubchannel" + addresses;
    }
  }
}
