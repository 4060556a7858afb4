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

import static io.grpc.ConnectivityState.CONNECTING;
import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.SHUTDOWN;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.net.HostAndPort;
import io.grpc.Attributes;
import io.grpc.Channel;
import io.grpc.ChannelLogger.ChannelLogLevel;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.lbkit.core.ActiveHealthCheck;
import io.lbkit.core.BalancerSnapshot;
import io.lbkit.core.HealthState;
import io.lbkit.core.Server;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC load balancer behind every lbkit policy: one subchannel per address group, an lbkit
 * {@link io.lbkit.core.LoadBalancer} holding one server per address group, and one gRPC picker per
 * lbkit snapshot (gRPC's own model), which picks from that snapshot. lbkit is the one source of
 * truth for which servers may be picked; this class only feeds it connectivity and maps its
 * endpoints to subchannels.
 *
 * <h2>Threading</h2>
 *
 * <p>gRPC calls every method of this class, and every subchannel state listener, on the channel's
 * {@link SynchronizationContext}: all fields below except the volatile ones are confined to it.
 * Nothing here blocks. The lbkit balancer is thread-safe and lock-free; the picker only reads one
 * immutable lbkit snapshot and an immutable map of subchannels. Every snapshot lbkit publishes (an
 * ejection on an RPC thread, its end on the scheduler, a change made here) reaches a {@link
 * io.lbkit.core.SnapshotListener} that queues a picker refresh onto the synchronization context,
 * never running balancer code on the publishing thread; the refresh builds the picker from lbkit's
 * latest snapshot.
 *
 * <h2>Mapping connectivity to lbkit health</h2>
 *
 * <p>An address group becomes an lbkit server when its subchannel is READY for the first time, so
 * that slow start measures time since the first connection rather than since name resolution. From
 * then on it stays a member while the resolver lists it, and its connectivity reaches lbkit through
 * one input, {@link io.lbkit.core.LoadBalancer#setReachable}: reachable while READY (and, with
 * health checks on, while its {@link HealthWatch} last heard SERVING; servers without {@code Watch}
 * are polled with {@code Check} by lbkit's active health check instead), unreachable otherwise
 * (lbkit then reports it {@link HealthState#UNHEALTHY} and never picks it, not even in panic mode).
 * What the application sets stays apart, and the server's statistics and outlier-ejection history
 * survive a reconnection. lbkit logs each change with its cause (gRPC's status, the server's
 * answer).
 *
 * <h2>Aggregate state</h2>
 *
 * <p>READY if some subchannel is ready and lbkit has an eligible server; CONNECTING while some
 * subchannel is connecting and none is ready, or while a ready one awaits its first health answer;
 * TRANSIENT_FAILURE when every subchannel has failed (a subchannel that failed counts as failed
 * until it is READY again, as in gRPC's round robin, so that the channel does not flap between
 * CONNECTING and TRANSIENT_FAILURE), or when lbkit refuses every ready server. Subchannels connect
 * eagerly: an IDLE one is asked to connect at once.
 */
final class LbkitGrpcLoadBalancer extends io.grpc.LoadBalancer {
  /** Servers that are no socket addresses (in-process, Unix sockets) get this placeholder host. */
  private static final String NON_INET_HOST = "address.invalid";

  private static final Logger logger = LoggerFactory.getLogger(LbkitGrpcLoadBalancer.class);

  private final Helper helper;
  private final SynchronizationContext syncContext;
  // The channel's target ("lbkit:///a:1,b:2", "dns:///orders:443"): the name in every log line.
  private final String target;
  // For a channel that names the policy without settings: its default config, or why it has none.
  private final NameResolver.ConfigOrError defaultConfig;
  private final AtomicBoolean refreshQueued = new AtomicBoolean();

  // Confined to the synchronization context.
  private final Map<ImmutableList<SocketAddress>, Child> children = new LinkedHashMap<>();
  private @Nullable LbkitConfig config;
  private io.lbkit.core.@Nullable LoadBalancer balancer;
  private @Nullable ConnectivityState state;
  // How long a Watch stream that ended waits before it is opened again: the check interval.
  private long watchRetryNanos;
  private Status lastFailure = Status.UNAVAILABLE.withDescription("no connection attempt failed");
  private boolean shutdown;

  // Written on the synchronization context, read by the picker's lookups and by health checks.
  private volatile ImmutableMap<String, Child> members = ImmutableMap.of();

  LbkitGrpcLoadBalancer(Helper helper, NameResolver.ConfigOrError defaultConfig) {
    this.helper = requireNonNull(helper, "helper");
    this.syncContext = requireNonNull(helper.getSynchronizationContext(), "syncContext");
    this.target = channelTarget(helper);
    this.defaultConfig = requireNonNull(defaultConfig, "defaultConfig");
  }

  /** One address group: its subchannel, its lbkit server, and its connectivity. */
  static final class Child {
    final ImmutableList<SocketAddress> key;
    final Subchannel subchannel;
    Server server;
    ConnectivityState rawState = IDLE;
    // Like rawState, except that TRANSIENT_FAILURE sticks until READY.
    ConnectivityState effectiveState = CONNECTING;
    boolean member;
    volatile boolean ready;
    // Health by grpc.health.v1 Watch, while the subchannel is READY and health checks are on.
    @Nullable HealthWatch watch;
    // The last Watch answer; true where nothing is watched (health checks off, or no Watch).
    boolean serving = true;
    // Ready, and the Watch has not answered yet: the channel waits for it rather than failing.
    boolean awaitingHealth;
    // The server answered Watch with UNIMPLEMENTED: polled with Check instead (read by the
    // checker on lbkit's scheduler, hence volatile).
    volatile boolean watchUnsupported;
    private volatile @Nullable Channel healthChannel;

    Child(ImmutableList<SocketAddress> key, Subchannel subchannel, Server server) {
      this.key = key;
      this.subchannel = subchannel;
      this.server = server;
    }

    /**
     * A channel over this subchannel's transport for health checks and probes; set once it is
     * started.
     */
    @Nullable Channel healthChannel() {
      return healthChannel;
    }

    /** Whether lbkit may pick it: connected and, where health is watched, serving. */
    boolean usable() {
      return ready && serving;
    }
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    if (shutdown) {
      return Status.OK;
    }
    List<EquivalentAddressGroup> groups = resolved.getAddresses();
    if (groups.isEmpty()) {
      Status error =
          Status.UNAVAILABLE.withDescription(
              "the name resolver returned no addresses (attributes: "
                  + resolved.getAttributes()
                  + ")");
      handleNameResolutionError(error);
      return error;
    }
    Object parsed = resolved.getLoadBalancingPolicyConfig();
    if (!(parsed instanceof LbkitConfig)) {
      parsed = defaultConfig.getConfig();
    }
    if (!(parsed instanceof LbkitConfig)) {
      // A policy with a required setting (the hash policies' hashHeader) named without a config,
      // e.g. as the channel's default policy: fail every call, saying what is missing.
      Status error = requireNonNull(defaultConfig.getError(), "no default config and no error");
      publish(TRANSIENT_FAILURE, new LbkitPickers.FixedPicker(PickResult.withError(error)));
      return error;
    }
    LbkitConfig cfg = (LbkitConfig) parsed;

    Map<ImmutableList<SocketAddress>, EquivalentAddressGroup> wanted = new LinkedHashMap<>();
    for (EquivalentAddressGroup group : groups) {
      wanted.putIfAbsent(ImmutableList.copyOf(group.getAddresses()), group);
    }

    io.lbkit.core.LoadBalancer lb = balancer;
    if (lb == null || !cfg.equals(config)) {
      // A new configuration: a new lbkit balancer with the ready address groups (statistics
      // restart; configurations change rarely).
      if (lb != null) {
        lb.close();
        helper.getChannelLogger().log(ChannelLogLevel.INFO, "lbkit config changed to {0}", cfg);
      }
      config = cfg;
      lb = newBalancer(cfg);
      balancer = lb;
      for (Child c : children.values()) {
        c.member = c.ready;
        // The health settings may have changed: watch again from scratch.
        stopWatch(c);
        c.watchUnsupported = false;
      }
    }

    for (Iterator<Child> it = children.values().iterator(); it.hasNext(); ) {
      Child c = it.next();
      if (!wanted.containsKey(c.key)) {
        c.ready = false;
        stopWatch(c);
        c.subchannel.shutdown();
        it.remove();
      }
    }
    for (Map.Entry<ImmutableList<SocketAddress>, EquivalentAddressGroup> e : wanted.entrySet()) {
      Server server = toServer(e.getKey(), e.getValue().getAttributes());
      Child c = children.get(e.getKey());
      if (c == null) {
        Subchannel subchannel =
            helper.createSubchannel(
                CreateSubchannelArgs.newBuilder().setAddresses(e.getValue()).build());
        Child child = new Child(e.getKey(), subchannel, server);
        children.put(child.key, child);
        subchannel.start(info -> onSubchannelState(child, info));
        subchannel.requestConnection();
      } else {
        // Only our own attributes (weight, zone) can differ for the same addresses; the
        // subchannel does not need them.
        c.server = server;
      }
    }
    if (cfg.healthCheck != null || cfg.probeTimeout != null) {
      for (Child c : children.values()) {
        if (c.healthChannel == null) {
          // Health checks and probes call over the subchannel's own transport (created on the
          // synchronization context, used from lbkit's scheduler and from picking threads).
          c.healthChannel = c.subchannel.asChannel();
        }
        if (c.ready && cfg.healthCheck != null) {
          startWatch(c);
        }
      }
    }
    syncMembers(lb);
    updateBalancingState();
    return Status.OK;
  }

  /** The channel's target, or its authority where the channel does not tell its target. */
  private static String channelTarget(Helper helper) {
    try {
      return requireNonNull(helper.getChannelTarget(), "channel target");
    } catch (UnsupportedOperationException e) {
      return helper.getAuthority(); // a helper of a test or an older wrapper
    }
  }

  /** The lbkit balancer, for tests. */
  io.lbkit.core.@Nullable LoadBalancer lbkit() {
    return balancer;
  }

  private io.lbkit.core.LoadBalancer newBalancer(LbkitConfig cfg) {
    io.lbkit.core.LoadBalancerBuilder b =
        io.lbkit.core.LoadBalancer.builder()
            .name(target)
            .selector(cfg.selector.get())
            .panicThreshold(cfg.panicThreshold)
            .snapshotListener(published -> queueRefresh())
            .scheduler(helper.getScheduledExecutorService());
    if (cfg.outlierDetection != null) {
      b.outlierDetection(cfg.outlierDetection);
    }
    if (cfg.slowStart != null) {
      b.slowStart(cfg.slowStart);
    }
    LbkitConfig.LatencyModelConfig lm = cfg.latencyModel;
    if (lm != null) {
      b.latencyModel(lm.decay, lm.failureFactor, lm.failureFloor);
    }
    Duration probeTimeout = cfg.probeTimeout;
    if (probeTimeout != null) {
      // Probes go to the server's own subchannel while it is ready; a server without one fails
      // its probe at once, which the probing selector counts as no answer.
      b.probeTransport(
          new GrpcProbeTransport(
              server -> {
                Child c = members.get(server.id());
                return c == null || !c.ready ? null : c.healthChannel();
              },
              probeTimeout));
    }
    LbkitConfig.HealthCheckConfig hc = cfg.healthCheck;
    if (hc != null) {
      // Watch streams carry the health of servers that have the method; lbkit's polling checks
      // ask Check only of the others, and pass the watched ones without a call.
      ActiveHealthCheck check =
          hc.toActiveHealthCheck(
              new GrpcHealthChecker(
                  hc.serviceName,
                  server -> {
                    Child c = members.get(server.id());
                    return c == null ? null : c.healthChannel();
                  },
                  server -> {
                    Child c = members.get(server.id());
                    return c != null && !c.watchUnsupported;
                  }));
      watchRetryNanos = check.interval().toNanos();
      b.healthCheck(check);
    }
    return b.build();
  }

  /** Makes lbkit's servers the member children, with their current weights and zones. */
  private void syncMembers(io.lbkit.core.LoadBalancer lb) {
    List<Server> servers = new ArrayList<>();
    ImmutableMap.Builder<String, Child> byId = ImmutableMap.builder();
    Set<String> ids = new HashSet<>();
    for (Child c : children.values()) {
      // Distinct address lists give distinct ids; the check only keeps a resolver oddity (the
      // same address spelled twice) from failing the update.
      if (c.member && ids.add(c.server.id())) {
        servers.add(c.server);
        byId.put(c.server.id(), c);
      }
    }
    if (servers.isEmpty()) {
      lb.clear();
    } else {
      lb.setServers(servers);
    }
    for (Child c : children.values()) {
      if (c.member && !c.usable()) {
        lb.setReachable(c.server.id(), false, c.ready ? "awaiting health" : "not connected");
      }
    }
    members = byId.buildKeepingLast();
  }

  private void onSubchannelState(Child c, ConnectivityStateInfo info) {
    ConnectivityState s = info.getState();
    io.lbkit.core.LoadBalancer lb = balancer;
    if (shutdown || lb == null || children.get(c.key) != c || s == SHUTDOWN) {
      return;
    }
    c.rawState = s;
    if (s == TRANSIENT_FAILURE || s == IDLE) {
      // The address may be gone: let the resolver look again (it rate-limits itself).
      helper.refreshNameResolution();
    }
    if (s == TRANSIENT_FAILURE) {
      lastFailure = info.getStatus();
    }
    if (s == IDLE) {
      c.subchannel.requestConnection();
    }
    if (c.effectiveState != TRANSIENT_FAILURE || s == READY || s == TRANSIENT_FAILURE) {
      c.effectiveState = s == IDLE ? CONNECTING : s;
    }
    boolean ready = s == READY;
    if (ready != c.ready) {
      // Flip the flag before telling lbkit: a pick that races with the change and still sees
      // the old state of lbkit finds the flag and returns no result; the picker published below
      // retries it.
      c.ready = ready;
      if (ready) {
        startWatch(c);
      } else {
        stopWatch(c);
      }
      if (ready && !c.member) {
        c.member = true;
        syncMembers(lb);
      } else if (c.member) {
        applyHealth(
            lb,
            c,
            ready
                ? "connected again (subchannel READY)"
                : "lost its connection (subchannel " + s + ": " + describe(info.getStatus()) + ")");
      }
    }
    updateBalancingState();
  }

  /**
   * Tells lbkit whether the child can be reached, and why: the one path by which connectivity and
   * watched health reach lbkit. Called on the synchronization context.
   */
  private static void applyHealth(io.lbkit.core.LoadBalancer lb, Child c, String why) {
    if (c.member) {
      lb.setReachable(c.server.id(), c.usable(), why);
    }
  }

  /**
   * Opens the child's health Watch when health checks are on and it has the method; until the first
   * answer it is not picked (as in gRPC's own health checking).
   */
  private void startWatch(Child c) {
    LbkitConfig cfg = config;
    LbkitConfig.HealthCheckConfig hc = cfg == null ? null : cfg.healthCheck;
    Channel channel = c.healthChannel();
    if (hc == null || channel == null || c.watch != null || c.watchUnsupported) {
      return;
    }
    c.serving = false;
    c.awaitingHealth = true;
    HealthWatch w =
        new HealthWatch(
            channel,
            hc.serviceName,
            syncContext,
            helper.getScheduledExecutorService(),
            watchRetryNanos,
            new HealthWatch.Listener() {
              @Override
              public void onServingStatus(boolean serving, String why) {
                onWatchedHealth(c, serving, why);
              }

              @Override
              public void onUnimplemented() {
                c.watchUnsupported = true;
                c.watch = null;
                logger.info(
                    "{}: server {} has no grpc.health.v1.Health/Watch; polling Check instead",
                    target,
                    c.server.id());
                onWatchedHealth(c, true, null);
              }
            });
    c.watch = w;
    w.start();
  }

  private static void stopWatch(Child c) {
    HealthWatch w = c.watch;
    c.watch = null;
    if (w != null) {
      w.stop();
    }
    c.serving = true;
    c.awaitingHealth = false;
  }

  /** A Watch answer (or its fallback): updates lbkit. On the synchronization context. */
  private void onWatchedHealth(Child c, boolean serving, @Nullable String why) {
    io.lbkit.core.LoadBalancer lb = balancer;
    if (shutdown || lb == null || children.get(c.key) != c) {
      return;
    }
    c.awaitingHealth = false;
    c.serving = serving;
    applyHealth(
        lb, c, why != null ? why : serving ? "health Watch: SERVING" : "health Watch: not serving");
    updateBalancingState();
  }

  /** Publishes the aggregate state and a new picker. Called on the synchronization context. */
  private void updateBalancingState() {
    io.lbkit.core.LoadBalancer lb = balancer;
    LbkitConfig cfg = config;
    if (shutdown || lb == null || cfg == null) {
      return;
    }
    int ready = 0;
    int connecting = 0;
    int awaitingHealth = 0;
    for (Child c : children.values()) {
      if (c.effectiveState == READY) {
        ready++;
        if (c.awaitingHealth) {
          awaitingHealth++;
        }
      } else if (c.effectiveState == CONNECTING) {
        connecting++;
      }
    }
    // The latest lbkit snapshot: every change made here was published before this runs, and a
    // change published later (an ejection) queues another refresh.
    BalancerSnapshot latest = lb.snapshot();
    if (ready > 0 && !latest.endpoints().isEmpty()) {
      publish(
          READY,
          new LbkitPickers.ReadyPicker(
              latest, members, cfg.failureCodes, cfg.hashHeader, cfg.probeTimeout != null));
    } else if (awaitingHealth > 0) {
      // Connected, and the first health answer is a round trip away: wait for it.
      publish(CONNECTING, new LbkitPickers.FixedPicker(PickResult.withNoResult()));
    } else if (ready > 0) {
      publish(
          TRANSIENT_FAILURE,
          new LbkitPickers.FixedPicker(
              PickResult.withError(
                  Status.UNAVAILABLE.withDescription(
                      "lbkit: none of the " + ready + " ready backends is eligible: " + lb))));
    } else if (connecting > 0) {
      publish(CONNECTING, new LbkitPickers.FixedPicker(PickResult.withNoResult()));
    } else {
      publish(TRANSIENT_FAILURE, new LbkitPickers.FixedPicker(PickResult.withError(lastFailure)));
    }
  }

  private void publish(ConnectivityState newState, SubchannelPicker picker) {
    state = newState;
    helper.updateBalancingState(newState, picker);
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (shutdown) {
      return;
    }
    if (state != READY) {
      // Keep serving from the last good addresses when some are ready; otherwise say why.
      publish(TRANSIENT_FAILURE, new LbkitPickers.FixedPicker(PickResult.withError(error)));
    }
  }

  @Override
  public void requestConnection() {
    for (Child c : children.values()) {
      if (c.rawState == IDLE) {
        c.subchannel.requestConnection();
      }
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    for (Child c : children.values()) {
      c.ready = false;
      stopWatch(c);
      c.subchannel.shutdown();
    }
    children.clear();
    members = ImmutableMap.of();
    io.lbkit.core.LoadBalancer lb = balancer;
    if (lb != null) {
      lb.close();
    }
  }

  /**
   * Republishes the picker on the synchronization context, from any thread, for every snapshot
   * lbkit publishes: an ejection that ends must wake wait-for-ready calls buffered by an earlier
   * picker, and the aggregate state may change. Goes through the scheduler so that balancer code
   * never runs on the reporting thread (an RPC callback or lbkit's maintenance); several
   * transitions in a row share one refresh.
   */
  private void queueRefresh() {
    if (!refreshQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      SynchronizationContext.ScheduledHandle unused =
          syncContext.schedule(
              () -> {
                refreshQueued.set(false);
                updateBalancingState();
              },
              0,
              TimeUnit.NANOSECONDS,
              helper.getScheduledExecutorService());
    } catch (RejectedExecutionException e) {
      // The channel is shutting down: nothing left to refresh.
      refreshQueued.set(false);
    }
  }

  /** A status as a log line shows it: code, description and cause, whichever it has. */
  static String describe(Status status) {
    if (status.isOk()) {
      return "the connection closed"; // IDLE: the server or the network ended the connection
    }
    StringBuilder out = new StringBuilder(status.getCode().toString());
    if (status.getDescription() != null) {
      out.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null) {
      out.append(" (").append(status.getCause()).append(')');
    }
    return out.toString();
  }

  /** The lbkit server for an address group: id "host:port" (joined by "," for several). */
  private Server toServer(ImmutableList<SocketAddress> addresses, Attributes attrs) {
    StringBuilder id = new StringBuilder();
    for (SocketAddress a : addresses) {
      if (id.length() > 0) {
        id.append(',');
      }
      id.append(addressString(a));
    }
    Server.Builder b = placeholderOr(addresses.get(0)).id(id.toString());
    Double weight = attrs.get(LbkitPolicies.WEIGHT);
    if (weight != null) {
      if (weight > 0 && Double.isFinite(weight)) {
        b.weight(weight);
      } else {
        helper
            .getChannelLogger()
            .log(ChannelLogLevel.WARNING, "ignoring invalid lbkit weight {0} of {1}", weight, id);
      }
    }
    String zone = attrs.get(LbkitPolicies.ZONE);
    if (zone != null && !zone.isBlank()) {
      b.zone(zone);
    }
    return b.build();
  }

  private static Server.Builder placeholderOr(SocketAddress address) {
    if (address instanceof InetSocketAddress) {
      InetSocketAddress inet = (InetSocketAddress) address;
      try {
        return Server.builder(inet.getHostString(), inet.getPort());
      } catch (IllegalArgumentException e) {
        // Port 0 or an odd host: the id still names the address.
      }
    }
    return Server.builder(NON_INET_HOST, 1);
  }

  private static String addressString(SocketAddress address) {
    if (address instanceof InetSocketAddress) {
      InetSocketAddress inet = (InetSocketAddress) address;
      return HostAndPort.fromParts(inet.getHostString(), inet.getPort()).toString();
    }
    return String.valueOf(address);
  }
}
