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
package io.lbkit.benchmarks;

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
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.xds.StaticStrideSchedulers;
import io.lbkit.core.Server;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * gRPC-java 1.85.1's load-balancing policies, driven through the public {@code LoadBalancer} API
 * with a fake {@code Helper} whose subchannels report READY as soon as they are asked to connect,
 * so that the policy publishes its ready picker, which the benchmark then calls.
 *
 * <ul>
 *   <li>{@code round_robin}: grpc-util's {@code RoundRobinLoadBalancer}, through its public
 *       provider as listed in the {@code io.grpc.LoadBalancerProvider} service file; the picker
 *       must be {@code io.grpc.util.RoundRobinLoadBalancer$ReadyPicker}: an atomic index over the
 *       children's pick-first pickers, which return a prebuilt {@code PickResult}.
 *   <li>{@code round_robin_registry}: what {@code
 *       LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin")} returns when
 *       grpc-services is on the class path (grpc-xds brings it): {@code
 *       HealthCheckingRoundRobinLoadBalancerProvider}, the same round robin behind a health-check
 *       wrapper whose picker ({@code HealthProducerHelper$HealthProducerPicker}, checked) copies
 *       every {@code PickResult} to unwrap the subchannel. This is the round robin a gRPC
 *       application with xDS or services on its class path gets.
 *   <li>{@code least_request}: grpc-xds's policy (choice count 2: P2C over outstanding-request
 *       counters); the picker must be {@code io.grpc.xds.LeastRequestLoadBalancer$ReadyPicker}.
 *   <li>{@code weighted_round_robin}: the static stride scheduler alone through the same-package
 *       {@link StaticStrideSchedulers}, over the servers' weights: the policy's own weights come
 *       from ORCA load reports, which a benchmark without servers never gets.
 * </ul>
 *
 * <p>The pick is {@code picker.pickSubchannel(args)} with one prebuilt {@code PickSubchannelArgs}.
 * The full path ({@code _full}, least request only) adds what the channel does per call with the
 * returned {@code PickResult}: the stream tracer from its factory, {@code streamCreated} (the
 * outstanding-request increment) and {@code streamClosed(OK)} (the decrement).
 */
final class GrpcPeers {
  private GrpcPeers() {}

  /**
   * {@code round_robin}, {@code round_robin_registry}, {@code least_request} (registered as {@code
   * least_request_experimental}) or {@code weighted_round_robin}.
   */
  static Peer of(String policy, int servers, boolean fullPath) {
    if (policy.equals("weighted_round_robin")) {
      return staticStride(servers);
    }
    String expectedPicker =
        switch (policy) {
          case "round_robin" -> "io.grpc.util.RoundRobinLoadBalancer$ReadyPicker";
          case "round_robin_registry" -> "io.grpc.util.HealthProducerHelper$HealthProducerPicker";
          case "least_request" -> "io.grpc.xds.LeastRequestLoadBalancer$ReadyPicker";
          default -> throw new IllegalArgumentException("unknown policy '" + policy + "'");
        };
    LoadBalancerProvider provider = provider(policy);
    FakeHelper helper = new FakeHelper();
    LoadBalancer lb = provider.newLoadBalancer(helper);
    Object config =
        policy.equals("least_request")
            ? provider.parseLoadBalancingPolicyConfig(Map.of("choiceCount", 2.0)).getConfig()
            : null;
    accept(helper, lb, addresses(servers), config, policy);
    LoadBalancer.SubchannelPicker picker = checkPicker(helper, policy, expectedPicker);
    LoadBalancer.PickSubchannelArgs args = new Args();
    if (picker.pickSubchannel(args).getSubchannel() == null) {
      throw new IllegalStateException("gRPC " + policy + " picked no subchannel");
    }
    AutoCloseable close = () -> helper.sync.execute(lb::shutdown);
    if (!fullPath) {
      return new Peer(i -> picker.pickSubchannel(args), close);
    }
    ClientStreamTracer.StreamInfo info = ClientStreamTracer.StreamInfo.newBuilder().build();
    Metadata headers = args.getHeaders();
    return new Peer(
        i -> {
          LoadBalancer.PickResult result = picker.pickSubchannel(args);
          ClientStreamTracer.Factory factory = result.getStreamTracerFactory();
          if (factory != null) {
            ClientStreamTracer tracer = factory.newClientStreamTracer(info, headers);
            tracer.streamCreated(Attributes.EMPTY, headers);
            tracer.streamClosed(Status.OK);
          }
          return result;
        },
        close);
  }

  /** The request header that carries the key for {@code ring_hash}. */
  private static final String HASH_HEADER = "x-session-key";

  /**
   * gRPC-java's {@code ring_hash} (registered as {@code ring_hash_experimental}) hashing the {@code
   * x-session-key} request header (gRFC A76 {@code requestHashHeader}, enabled by the {@code
   * GRPC_EXPERIMENTAL_RING_HASH_SET_REQUEST_HASH_KEY} flag, which this sets as a system property of
   * the benchmark's JVM), with its default ring size (1,024 to 4,096 entries). The measured call is
   * {@code pickSubchannel(args)} with the next of the prebuilt per-key arguments: reading the
   * header, its XXH64 hash and the ring's binary search. Setup picks every key twice so that every
   * endpoint a key reaches has been asked to connect and is READY.
   */
  static Peer ringHash(int servers) {
    System.setProperty("GRPC_EXPERIMENTAL_RING_HASH_SET_REQUEST_HASH_KEY", "true");
    LoadBalancerProvider provider =
        LoadBalancerRegistry.getDefaultRegistry().getProvider("ring_hash_experimental");
    if (provider == null) {
      throw new IllegalStateException("no gRPC ring_hash policy");
    }
    NameResolver.ConfigOrError parsed =
        provider.parseLoadBalancingPolicyConfig(Map.of("requestHashHeader", HASH_HEADER));
    if (parsed.getError() != null) {
      throw new IllegalStateException("gRPC ring_hash config: " + parsed.getError());
    }
    FakeHelper helper = new FakeHelper();
    LoadBalancer lb = provider.newLoadBalancer(helper);
    accept(helper, lb, addresses(servers), parsed.getConfig(), "ring_hash");
    Metadata.Key<String> header = Metadata.Key.of(HASH_HEADER, Metadata.ASCII_STRING_MARSHALLER);
    Args[] byKey = new Args[PeerKeys.COUNT];
    for (int i = 0; i < byKey.length; i++) {
      Metadata headers = new Metadata();
      headers.put(header, PeerKeys.key(i));
      byKey[i] = new Args(headers);
    }
    for (int pass = 0; pass < 2; pass++) {
      for (Args args : byKey) {
        LoadBalancer.SubchannelPicker current = helper.picker;
        if (current != null) {
          current.pickSubchannel(args);
        }
      }
    }
    LoadBalancer.SubchannelPicker picker =
        checkPicker(helper, "ring_hash", "io.grpc.xds.RingHashLoadBalancer$RingHashPicker");
    for (Args args : byKey) {
      if (picker.pickSubchannel(args).getSubchannel() == null) {
        throw new IllegalStateException("gRPC ring_hash has a key with no READY subchannel");
      }
    }
    return new Peer(
        i -> picker.pickSubchannel(byKey[i & (PeerKeys.COUNT - 1)]),
        () -> helper.sync.execute(lb::shutdown));
  }

  private static void accept(
      FakeHelper helper,
      LoadBalancer lb,
      List<EquivalentAddressGroup> groups,
      @Nullable Object config,
      String policy) {
    helper.sync.execute(
        () -> {
          Status status =
              lb.acceptResolvedAddresses(
                  LoadBalancer.ResolvedAddresses.newBuilder()
                      .setAddresses(groups)
                      .setLoadBalancingPolicyConfig(config)
                      .build());
          if (!status.isOk()) {
            throw new IllegalStateException("gRPC " + policy + " refused the addresses: " + status);
          }
        });
  }

  private static LoadBalancer.SubchannelPicker checkPicker(
      FakeHelper helper, String policy, String expectedPicker) {
    LoadBalancer.SubchannelPicker picker = helper.picker;
    if (helper.state != ConnectivityState.READY
        || picker == null
        || !picker.getClass().getName().equals(expectedPicker)) {
      throw new IllegalStateException(
          "gRPC "
              + policy
              + " is "
              + helper.state
              + " with picker "
              + (picker == null ? null : picker.getClass().getName())
              + ", expected READY with "
              + expectedPicker);
    }
    return picker;
  }

  private static LoadBalancerProvider provider(String policy) {
    LoadBalancerProvider found =
        switch (policy) {
          case "round_robin" -> {
            // grpc-util's own round robin, which the registry hides behind grpc-services' health
            // checking one (higher priority, same name). Found by its service-file entry.
            LoadBalancerProvider plain = null;
            for (LoadBalancerProvider p : ServiceLoader.load(LoadBalancerProvider.class)) {
              if (p.getClass().getName().equals(PLAIN_ROUND_ROBIN)) {
                plain = p;
              }
            }
            yield plain;
          }
          case "round_robin_registry" ->
              LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin");
          // grpc-xds registers least request as "least_request_experimental" (its xDS name is
          // envoy.load_balancing_policies.least_request).
          case "least_request" ->
              LoadBalancerRegistry.getDefaultRegistry().getProvider("least_request_experimental");
          default -> throw new IllegalArgumentException("unknown policy '" + policy + "'");
        };
    if (found == null) {
      throw new IllegalStateException("no gRPC load-balancing policy for " + policy);
    }
    return found;
  }

  private static final String PLAIN_ROUND_ROBIN =
      "io.grpc.util.SecretRoundRobinLoadBalancerProvider$Provider";

  private static Peer staticStride(int servers) {
    List<Server> list = Fixtures.servers(servers);
    float[] weights = new float[list.size()];
    Server[] byIndex = list.toArray(new Server[0]);
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) byIndex[i].weight();
    }
    IntSupplier scheduler = StaticStrideSchedulers.of(weights);
    return Peer.of(i -> byIndex[scheduler.getAsInt()]);
  }

  private static List<EquivalentAddressGroup> addresses(int n) {
    List<EquivalentAddressGroup> out = new ArrayList<>(n);
    for (Server s : Fixtures.servers(n)) {
      try {
        // A literal address: no name lookup.
        InetAddress address = InetAddress.getByName(s.host());
        out.add(new EquivalentAddressGroup(new InetSocketAddress(address, s.port())));
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /** The channel side that a policy talks to, minus the channel. */
  private static final class FakeHelper extends LoadBalancer.Helper {
    final SynchronizationContext sync =
        new SynchronizationContext(
            (thread, e) -> {
              throw new IllegalStateException("gRPC policy failed in setup", e);
            });
    private @Nullable ScheduledExecutorService scheduler;
    volatile @Nullable ConnectivityState state;
    volatile LoadBalancer.@Nullable SubchannelPicker picker;

    @Override
    public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
      return new ReadySubchannel(args, sync);
    }

    @Override
    public void updateBalancingState(
        ConnectivityState newState, LoadBalancer.SubchannelPicker newPicker) {
      state = newState;
      picker = newPicker;
    }

    @Override
    public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
      throw new UnsupportedOperationException("no out-of-band channels in the benchmark");
    }

    @Override
    public SynchronizationContext getSynchronizationContext() {
      return sync;
    }

    @Override
    public synchronized ScheduledExecutorService getScheduledExecutorService() {
      if (scheduler == null) {
        scheduler =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "grpc-bench-scheduler");
                  t.setDaemon(true);
                  return t;
                });
      }
      return scheduler;
    }

    @Override
    public void refreshNameResolution() {}

    @Override
    public String getAuthority() {
      return "bench";
    }

    @Override
    public String getChannelTarget() {
      return "bench";
    }

    @Override
    public ChannelLogger getChannelLogger() {
      return SilentLogger.INSTANCE;
    }

    @Override
    public NameResolver.Args getNameResolverArgs() {
      throw new UnsupportedOperationException("no name resolver in the benchmark");
    }
  }

  /** A subchannel that becomes READY when asked to connect. */
  private static final class ReadySubchannel extends LoadBalancer.Subchannel {
    private final LoadBalancer.CreateSubchannelArgs args;
    private final SynchronizationContext sync;
    private LoadBalancer.@Nullable SubchannelStateListener listener;

    ReadySubchannel(LoadBalancer.CreateSubchannelArgs args, SynchronizationContext sync) {
      this.args = args;
      this.sync = sync;
    }

    @Override
    public void start(LoadBalancer.SubchannelStateListener listener) {
      this.listener = listener;
    }

    @Override
    public void requestConnection() {
      LoadBalancer.SubchannelStateListener l = listener;
      if (l != null) {
        sync.execute(
            () -> l.onSubchannelState(ConnectivityStateInfo.forNonError(ConnectivityState.READY)));
      }
    }

    @Override
    public void shutdown() {}

    @Override
    public List<EquivalentAddressGroup> getAllAddresses() {
      return args.getAddresses();
    }

    @Override
    public Attributes getAttributes() {
      return args.getAttributes();
    }

    @Override
    public ChannelLogger getChannelLogger() {
      return SilentLogger.INSTANCE;
    }
  }

  private static final class SilentLogger extends ChannelLogger {
    static final SilentLogger INSTANCE = new SilentLogger();

    @Override
    public void log(ChannelLogLevel level, String message) {}

    @Override
    public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
  }

  /** The arguments of one unary call, with the given headers and default call options. */
  private static final class Args extends LoadBalancer.PickSubchannelArgs {
    private static final MethodDescriptor.Marshaller<Object> NO_MARSHALLING =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public InputStream stream(Object value) {
            return new ByteArrayInputStream(new byte[0]);
          }

          @Override
          public Object parse(InputStream stream) {
            return stream;
          }
        };
    private static final MethodDescriptor<Object, Object> METHOD =
        MethodDescriptor.newBuilder(NO_MARSHALLING, NO_MARSHALLING)
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("io.lbkit.Bench/Call")
            .build();
    private final Metadata headers;

    Args() {
      this(new Metadata());
    }

    Args(Metadata headers) {
      this.headers = headers;
    }

    @Override
    public CallOptions getCallOptions() {
      return CallOptions.DEFAULT;
    }

    @Override
    public Metadata getHeaders() {
      return headers;
    }

    @Override
    public MethodDescriptor<?, ?> getMethodDescriptor() {
      return METHOD;
    }
  }
}
