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

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.grpc.Channel;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.CreateSubchannelArgs;
import io.grpc.LoadBalancer.Helper;
import io.grpc.LoadBalancer.Subchannel;
import io.lbkit.core.Server;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The balancer's subchannel bookkeeping: one {@link ChildSubchannel} per address group the resolver
 * lists, and the members among them, which are lbkit's servers. Called on the channel's
 * synchronization context, except the lookups by server, which the picker, health checks and probes
 * make from their own threads.
 */
final class ChildSubchannels {
  private final Helper helper;
  // Confined to the synchronization context.
  private final Map<ImmutableList<SocketAddress>, ChildSubchannel> children = new LinkedHashMap<>();
  // Written on the synchronization context, read by the picker's lookups and by health checks:
  // volatile so that they see a complete map, which is immutable.
  private volatile ImmutableMap<String, ChildSubchannel> members = ImmutableMap.of();

  ChildSubchannels(Helper helper) {
    this.helper = helper;
  }

  /** Every child, in the resolver's order. */
  Collection<ChildSubchannel> all() {
    return children.values();
  }

  /** Whether {@code c} is still a child (not removed, not replaced). */
  boolean owns(ChildSubchannel c) {
    return children.get(c.key) == c;
  }

  /** The member children by server id, as the picker looks them up. */
  ImmutableMap<String, ChildSubchannel> members() {
    return members;
  }

  /**
   * Makes the children those of {@code wanted}: shuts down the subchannels of address groups no
   * longer listed, starts one for each new group (its states go to {@code onState}), and refreshes
   * the servers of the others (only lbkit's attributes, weight and zone, can differ for the same
   * addresses; the subchannel does not need them).
   */
  void update(
      Map<ImmutableList<SocketAddress>, EquivalentAddressGroup> wanted,
      BiConsumer<ChildSubchannel, ConnectivityStateInfo> onState) {
    for (Iterator<ChildSubchannel> it = children.values().iterator(); it.hasNext(); ) {
      ChildSubchannel c = it.next();
      if (!wanted.containsKey(c.key)) {
        c.ready = false;
        c.stopWatch();
        c.subchannel.shutdown();
        it.remove();
      }
    }
    for (Map.Entry<ImmutableList<SocketAddress>, EquivalentAddressGroup> e : wanted.entrySet()) {
      Server server =
          AddressGroupServers.toServer(
              e.getKey(), e.getValue().getAttributes(), helper.getChannelLogger());
      ChildSubchannel c = children.get(e.getKey());
      if (c == null) {
        Subchannel subchannel =
            helper.createSubchannel(
                CreateSubchannelArgs.newBuilder().setAddresses(e.getValue()).build());
        ChildSubchannel child = new ChildSubchannel(e.getKey(), subchannel, server);
        children.put(child.key, child);
        subchannel.start(info -> onState.accept(child, info));
        subchannel.requestConnection();
      } else {
        c.server = server;
      }
    }
  }

  /** Makes lbkit's servers the member children, with their current weights and zones. */
  void syncMembers(io.lbkit.core.LoadBalancer lb) {
    List<Server> servers = new ArrayList<>();
    ImmutableMap.Builder<String, ChildSubchannel> byId = ImmutableMap.builder();
    Set<String> ids = new HashSet<>();
    for (ChildSubchannel c : children.values()) {
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
    for (ChildSubchannel c : children.values()) {
      if (c.member && !c.usable()) {
        lb.setReachable(c.server.id(), false, c.ready ? "awaiting health" : "not connected");
      }
    }
    members = byId.buildKeepingLast();
  }

  /** The channel over a member's subchannel while it is ready, for probes; else null. */
  @Nullable Channel readyChannel(Server server) {
    ChildSubchannel c = members.get(server.id());
    return c == null || !c.ready ? null : c.healthChannel();
  }

  /** The channel over a member's subchannel, for health checks; null if it has none. */
  @Nullable Channel healthChannel(Server server) {
    ChildSubchannel c = members.get(server.id());
    return c == null ? null : c.healthChannel();
  }

  /** Whether a member's health comes from its Watch stream rather than from polling Check. */
  boolean watched(Server server) {
    ChildSubchannel c = members.get(server.id());
    return c != null && !c.watchUnsupported;
  }

  /** Asks every IDLE subchannel to connect. */
  void requestConnection() {
    for (ChildSubchannel c : children.values()) {
      if (c.rawState == IDLE) {
        c.subchannel.requestConnection();
      }
    }
  }

  /** Shuts every subchannel down and forgets every child. */
  void shutdown() {
    for (ChildSubchannel c : children.values()) {
      c.ready = false;
      c.stopWatch();
      c.subchannel.shutdown();
    }
    children.clear();
    members = ImmutableMap.of();
  }
}
