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
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;

import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer.Helper;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.lbkit.core.BalancerSnapshot;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Publishes the balancer's aggregate state and a picker over lbkit's latest snapshot:
 *
 * <p>READY if some subchannel is ready and lbkit has an eligible server; CONNECTING while some
 * subchannel is connecting and none is ready, or while a ready one awaits its first health answer;
 * TRANSIENT_FAILURE when every subchannel has failed, or when lbkit refuses every ready server.
 *
 * <p>Called on the channel's synchronization context, except {@link #queueRefresh}, which any
 * thread may call.
 */
final class PickerPublisher {
  private final Helper helper;
  private final SynchronizationContext syncContext;
  private final ChildSubchannels children;
  // Whether a refresh is queued: several snapshots published in a row share one refresh.
  private final AtomicBoolean refreshQueued = new AtomicBoolean();

  // Confined to the synchronization context.
  private io.lbkit.core.@Nullable LoadBalancer balancer;
  private @Nullable LbkitConfig config;
  private @Nullable ConnectivityState state;
  private Status lastFailure = Status.UNAVAILABLE.withDescription("no connection attempt failed");
  private boolean shutdown;

  PickerPublisher(Helper helper, SynchronizationContext syncContext, ChildSubchannels children) {
    this.helper = helper;
    this.syncContext = syncContext;
    this.children = children;
  }

  /** Publishes from this lbkit balancer, configured by {@code config}, from now on. */
  void use(io.lbkit.core.LoadBalancer balancer, LbkitConfig config) {
    this.balancer = balancer;
    this.config = config;
  }

  /** Remembers why a subchannel failed: the error of calls when every subchannel has failed. */
  void recordFailure(Status status) {
    lastFailure = status;
  }

  /** Publishes the aggregate state and a new picker. */
  void update() {
    io.lbkit.core.LoadBalancer lb = balancer;
    LbkitConfig cfg = config;
    if (shutdown || lb == null || cfg == null) {
      return;
    }
    int ready = 0;
    int connecting = 0;
    int awaitingHealth = 0;
    for (ChildSubchannel c : children.all()) {
      if (c.effectiveState == READY) {
        ready++;
        if (c.awaitingHealth) {
          awaitingHealth++;
        }
      } else if (c.effectiveState == CONNECTING) {
        connecting++;
      }
    }
    // The latest lbkit snapshot: every change made on the synchronization context was published
    // before this runs, and a change published later (an ejection) queues another refresh.
    BalancerSnapshot latest = lb.snapshot();
    if (ready > 0 && !latest.endpoints().isEmpty()) {
      publish(
          READY,
          new LbkitPickers.ReadyPicker(
              latest,
              children.members(),
              cfg.failureCodes,
              cfg.hashHeader,
              cfg.probeTimeout != null));
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

  /** Fails every call with {@code error}. */
  void fail(Status error) {
    publish(TRANSIENT_FAILURE, new LbkitPickers.FixedPicker(PickResult.withError(error)));
  }

  /** A name resolution error: fails every call unless some subchannel is ready. */
  void onNameResolutionError(Status error) {
    if (state != READY) {
      // Keep serving from the last good addresses when some are ready; otherwise say why.
      fail(error);
    }
  }

  /** Publishes nothing from now on. */
  void shutdown() {
    shutdown = true;
  }

  private void publish(ConnectivityState newState, SubchannelPicker picker) {
    state = newState;
    helper.updateBalancingState(newState, picker);
  }

  /**
   * Republishes the picker on the synchronization context, from any thread, for every snapshot
   * lbkit publishes: an ejection that ends must wake wait-for-ready calls buffered by an earlier
   * picker, and the aggregate state may change. Goes through the scheduler so that balancer code
   * never runs on the reporting thread (an RPC callback or lbkit's maintenance); several
   * transitions in a row share one refresh.
   */
  void queueRefresh() {
    if (!refreshQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      SynchronizationContext.ScheduledHandle unused =
          syncContext.schedule(
              () -> {
                // Cleared before the refresh reads lbkit's snapshot: a snapshot published after
                // that read queues a refresh of its own, so none is lost.
                refreshQueued.set(false);
                update();
              },
              0,
              TimeUnit.NANOSECONDS,
              helper.getScheduledExecutorService());
    } catch (RejectedExecutionException e) {
      // The channel is shutting down: nothing left to refresh.
      refreshQueued.set(false);
    }
  }
}
