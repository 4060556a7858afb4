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
package io.lbkit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A source of servers that keeps a balancer's membership current: DNS ({@link DnsServerSource}), a
 * registry, a Kubernetes watch. Sources push: {@link #start} registers a listener that receives
 * every new server list, and every failure, until the registration is closed.
 *
 * <p>Most applications do not call a source themselves but hand it to {@link DiscoveryBinding},
 * which applies each list to a {@link LoadBalancer} with {@link LoadBalancer#setServers}, keeps the
 * last good list when the source fails, and reports a {@link DiscoveryStatus}. A source that is
 * polled extends {@link PollingServerSource}, which schedules the polls and backs off after
 * failures.
 *
 * <p>A source may be started more than once; each registration is independent. Calls to one
 * listener must not overlap (a source delivers from one thread at a time), and none may happen once
 * {@link Registration#close()} has returned.
 *
 * @since 0.1.0
 */
public interface ServerSource {
  /** A short, human-readable name for logs, status and thread names, such as the DNS name. */
  String name();

  /**
   * Starts delivering server lists to {@code listener}, from a thread of the source's own (a source
   * never blocks the caller on a lookup).
   *
   * @return the registration, whose {@link Registration#close()} stops the deliveries and any
   *     thread the source started for them
   */
  Registration start(Listener listener);

  /** Receives what a started source finds. */
  interface Listener {
    /**
     * The source's current servers, the whole list (not a change). A list equal to the previous one
     * may be delivered again; an empty list means the source found nothing.
     */
    void onServers(List<Server> servers);

    /**
     * The source's current servers and what the source knows of their health, for sources that see
     * it (a Kubernetes endpoint that is shutting down, one that fails its readiness probe). {@code
     * health} maps server ids to {@link HealthState#HEALTHY}, {@link HealthState#UNHEALTHY} or
     * {@link HealthState#DRAINING}; a server it does not name is healthy. {@link DiscoveryBinding}
     * applies the list and the health in one change, so that no pick sees a server the source
     * reports out of service as eligible.
     *
     * <p>The default, for listeners that cannot keep a server's health, delivers only the healthy
     * servers to {@link #onServers(List)}.
     */
    default void onServers(List<Server> servers, Map<String, HealthState> health) {
      if (health.isEmpty()) {
        onServers(servers);
        return;
      }
      List<Server> healthy = new ArrayList<>(servers.size());
      for (Server s : servers) {
        if (health.getOrDefault(s.id(), HealthState.HEALTHY) == HealthState.HEALTHY) {
          healthy.add(s);
        }
      }
      onServers(healthy);
    }

    /**
     * A look-up failed; the source will try again by itself. The last list delivered is the best
     * knowledge there is.
     */
    void onError(Throwable error);
  }

  /** A started source; closing it stops the deliveries. */
  interface Registration extends AutoCloseable {
    /**
     * Asks for an early look-up (a connection failed, say). A hint: sources that are told of every
     * change (watches) ignore it.
     */
    default void refresh() {}

    /** Stops the deliveries and any thread the source started; idempotent. */
    @Override
    void close();
  }
}
