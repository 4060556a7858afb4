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

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The changes of membership that the application (and discovery) ask a balancer for: each one
 * validates its input, then is one update of the {@link Membership}, so a bad input leaves the
 * balancer as it was. The facade's membership methods delegate here; their contracts are written on
 * {@link LoadBalancer}.
 */
final class MemberEdits {
  private final String name;
  private final Membership membership;
  private final boolean warm;

  /**
   * @param warm whether new servers start warming up (slow start is configured)
   */
  MemberEdits(String name, Membership membership, boolean warm) {
    this.name = name;
    this.membership = membership;
    this.warm = warm;
  }

  /** Replaces the server list, keeping the statistics and health of the ids already present. */
  void setServers(Collection<Server> servers) {
    List<Server> copy = nonEmptyCopy(servers);
    long now = membership.now();
    membership.update(old -> Members.of(copy, old, now, warm, name));
  }

  /** As {@link #setServers(Collection)}, with the application health of the named servers. */
  void setServers(Collection<Server> servers, Map<String, HealthState> health) {
    requireNonNull(health, "health");
    List<Server> copy = nonEmptyCopy(servers);
    long now = membership.now();
    membership.update(
        old ->
            Members.withApplicationStates(
                Members.of(copy, old, now, warm, name), health, "discovery"));
  }

  private List<Server> nonEmptyCopy(Collection<Server> servers) {
    requireNonNull(servers, "servers");
    checkArgument(
        !servers.isEmpty(),
        "server list for %s is empty; call clear() to remove every server",
        name);
    return new ArrayList<>(servers);
  }

  void add(Server server) {
    requireNonNull(server, "server");
    long now = membership.now();
    membership.update(old -> Members.adding(old, server, now, warm, name));
  }

  void update(Server server) {
    requireNonNull(server, "server");
    membership.update(old -> Members.replace(old, server.id(), name, m -> m.withServer(server)));
  }

  boolean remove(String id) {
    requireNonNull(id, "id");
    return membership.update(old -> Members.without(old, id)) != null;
  }

  void clear() {
    membership.update(old -> ImmutableMap.of());
  }

  /** What the application says of a server: HEALTHY, UNHEALTHY or DRAINING only. */
  void setHealth(String id, HealthState health) {
    requireNonNull(id, "id");
    requireNonNull(health, "health");
    checkArgument(
        health == HealthState.HEALTHY
            || health == HealthState.UNHEALTHY
            || health == HealthState.DRAINING,
        "the application may set HEALTHY, UNHEALTHY or DRAINING, not %s",
        health);
    membership.update(
        old ->
            Members.replace(
                old,
                id,
                name,
                m ->
                    m.applicationState == health
                        ? m
                        : m.withApplicationState(health, "set " + health + " by the application")));
  }

  /** Whether an adapter can reach the server (a connection per server, as gRPC's subchannels). */
  void setReachable(String id, boolean reachable, String reason) {
    requireNonNull(id, "id");
    requireNonNull(reason, "reason");
    membership.update(
        old ->
            Members.replace(
                old,
                id,
                name,
                m -> m.unreachable == !reachable ? m : m.withReachable(reachable, reason)));
  }
}
