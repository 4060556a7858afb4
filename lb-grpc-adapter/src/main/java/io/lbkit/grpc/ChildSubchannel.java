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
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;

import com.google.common.collect.ImmutableList;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer.Subchannel;
import io.lbkit.core.Server;
import java.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One address group of the balancer: its subchannel, its lbkit server, and its connectivity. Its
 * fields are confined to the channel's synchronization context except the volatile ones, which the
 * picker, health checks and probes read from other threads.
 */
final class ChildSubchannel {
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

  ChildSubchannel(ImmutableList<SocketAddress> key, Subchannel subchannel, Server server) {
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

  /**
   * Starts the channel for health checks and probes, once. Created on the synchronization context,
   * used from lbkit's scheduler and from picking threads, hence the volatile field.
   */
  void openHealthChannel() {
    if (healthChannel == null) {
      healthChannel = subchannel.asChannel();
    }
  }

  /** Whether lbkit may pick it: connected and, where health is watched, serving. */
  boolean usable() {
    return ready && serving;
  }

  /**
   * Records the subchannel's new state: an IDLE subchannel is asked to connect at once, and a
   * failure sticks until the subchannel is READY again.
   */
  void recordState(ConnectivityState s) {
    rawState = s;
    if (s == IDLE) {
      subchannel.requestConnection();
    }
    if (effectiveState != TRANSIENT_FAILURE || s == READY || s == TRANSIENT_FAILURE) {
      effectiveState = s == IDLE ? CONNECTING : s;
    }
  }

  /** Closes its health Watch, if any: it counts as serving again. */
  void stopWatch() {
    HealthWatch w = watch;
    watch = null;
    if (w != null) {
      w.stop();
    }
    serving = true;
    awaitingHealth = false;
  }
}
