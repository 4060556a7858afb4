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

import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.SHUTDOWN;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import io.grpc.ChannelLogger.ChannelLogLevel;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.lbkit.core.ActiveHealthCheck;
import io.lbkit.core.HealthState;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC load balancer behind every lbkit policy: one subchannel per address group, an lbkit
 * {@link io.lbkit.core.LoadBalancer} holding one server per address group, and one gRPC picker per
 * lbkit snapshot (gRPC's own model), which picks from that snapshot. lbkit is the one source of
 * truth for which servers may be picked; this class only feeds it connectivity and maps its
 * endpoints to subchannels. Its parts: {@link ChildSubchannels} keeps the subchannels and lbkit's
 * members, {@link HealthWatches} their health Watch streams, {@link PickerPublisher} the aggregate
 * state and the picker; this class takes gRPC's calls and routes each event through them.
 *
 * <h2>Threading</h2>
 *
 * <p>gRPC calls every method of this class, and every subchannel state listener, on the channel's
 * {@link SynchronizationContext}: all fields below are confined to it. Nothing here blocks. The
 * lbkit balancer is thread-safe and lock-free; the picker only reads one immutable lbkit snapshot
 * and an immutable map of subchannels. Every snapshot lbkit publishes (an ejection on an RPC
 * thread, its end on the scheduler, a change made here) reaches a {@link
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
  private final Helper helper;
  // The channel's target ("lbkit:///a:1,b:2", "dns:///orders:443"): the name in every log line.
  private final String target;
  // For a channel that names the policy without settings: its default config, or why it has none.
  private final NameResolver.ConfigOrError defaultConfig;
  private final ChildSubchannels children;
  private final HealthWatches watches;
  private final PickerPublisher publisher;

  // Confined to the synchronization context.
  private @Nullable LbkitConfig config;
  private io.lbkit.core.@Nullable LoadBalancer balancer;
  private boolean shutdown;

  LbkitGrpcLoadBalancer(Helper helper, NameResolver.ConfigOrError defaultConfig) {
    this.helper = requireNonNull(helper, "helper");
    SynchronizationContext syncContext =
        requireNonNull(helper.getSynchronizationContext(), "syncContext");
    this.target = channelTarget(helper);
    this.defaultConfig = requireNonNull(defaultConfig, "defaultConfig");
    this.children = new ChildSubchannels(helper);
    this.watches =
        new HealthWatches(
            syncContext, helper.getScheduledExecutorService(), target, this::onWatchedHealth);
    this.publisher = new PickerPublisher(helper, syncContext, children);
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
      publisher.fail(error);
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
      publisher.use(lb, cfg);
      for (ChildSubchannel c : children.all()) {
        c.member = c.ready;
        // The health settings may have changed: watch again from scratch.
        c.stopWatch();
        c.watchUnsupported = false;
      }
    }

    children.update(wanted, this::onSubchannelState);
    if (cfg.healthCheck != null || cfg.probeTimeout != null) {
      for (ChildSubchannel c : children.all()) {
        // Health checks and probes call over the subchannel's own transport.
        c.openHealthChannel();
        if (c.ready && cfg.healthCheck != null) {
          watches.start(c);
        }
      }
    }
    children.syncMembers(lb);
    publisher.update();
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

  /** The lbkit balancer of {@code cfg}; also sets up the health watches for it. */
  private io.lbkit.core.LoadBalancer newBalancer(LbkitConfig cfg) {
    io.lbkit.core.LoadBalancerBuilder b =
        io.lbkit.core.LoadBalancer.builder()
            .name(target)
            .selector(cfg.selector.get())
            .panicThreshold(cfg.panicThreshold)
            .snapshotListener(published -> publisher.queueRefresh())
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
      b.probeTransport(new GrpcProbeTransport(children::readyChannel, probeTimeout));
    }
    LbkitConfig.HealthCheckConfig hc = cfg.healthCheck;
    if (hc == null) {
      watches.configure(null, 0);
    } else {
      // Watch streams carry the health of servers that have the method; lbkit's polling checks
      // ask Check only of the others, and pass the watched ones without a call.
      ActiveHealthCheck check =
          hc.toActiveHealthCheck(
              new GrpcHealthChecker(hc.serviceName, children::healthChannel, children::watched));
      watches.configure(hc.serviceName, check.interval().toNanos());
      b.healthCheck(check);
    }
    return b.build();
  }

  private void onSubchannelState(ChildSubchannel c, ConnectivityStateInfo info) {
    ConnectivityState s = info.getState();
    io.lbkit.core.LoadBalancer lb = balancer;
    if (shutdown || lb == null || !children.owns(c) || s == SHUTDOWN) {
      return;
    }
    if (s == TRANSIENT_FAILURE || s == IDLE) {
      // The address may be gone: let the resolver look again (it rate-limits itself).
      helper.refreshNameResolution();
    }
    if (s == TRANSIENT_FAILURE) {
      publisher.recordFailure(info.getStatus());
    }
    c.recordState(s);
    boolean ready = s == READY;
    if (ready != c.ready) {
      // Flip the flag before telling lbkit: a pick that races with the change and still sees
      // the old state of lbkit finds the flag and returns no result; the picker published below
      // retries it.
      c.ready = ready;
      if (ready) {
        watches.start(c);
      } else {
        c.stopWatch();
      }
      if (ready && !c.member) {
        c.member = true;
        children.syncMembers(lb);
      } else if (c.member) {
        applyHealth(
            lb,
            c,
            ready
                ? "connected again (subchannel READY)"
                : "lost its connection (subchannel "
                    + s
                    + ": "
                    + StatusText.describe(info.getStatus())
                    + ")");
      }
    }
    publisher.update();
  }

  /**
   * Tells lbkit whether the child can be reached, and why: the one path by which connectivity and
   * watched health reach lbkit. Called on the synchronization context.
   */
  private static void applyHealth(io.lbkit.core.LoadBalancer lb, ChildSubchannel c, String why) {
    if (c.member) {
      lb.setReachable(c.server.id(), c.usable(), why);
    }
  }

  /** A Watch answer (or its fallback): updates lbkit. On the synchronization context. */
  private void onWatchedHealth(ChildSubchannel c, boolean serving, @Nullable String why) {
    io.lbkit.core.LoadBalancer lb = balancer;
    if (shutdown || lb == null || !children.owns(c)) {
      return;
    }
    c.awaitingHealth = false;
    c.serving = serving;
    applyHealth(
        lb, c, why != null ? why : serving ? "health Watch: SERVING" : "health Watch: not serving");
    publisher.update();
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (shutdown) {
      return;
    }
    publisher.onNameResolutionError(error);
  }

  @Override
  public void requestConnection() {
    children.requestConnection();
  }

  @Override
  public void shutdown() {
    shutdown = true;
    publisher.shutdown();
    children.shutdown();
    io.lbkit.core.LoadBalancer lb = balancer;
    if (lb != null) {
      lb.close();
    }
  }
}
