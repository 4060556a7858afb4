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
package io.lbkit.kubernetes;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.lbkit.core.HealthState;
import io.lbkit.core.Server;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The servers, and their health, of every EndpointSlice of one service, merged: a slice holds at
 * most 100 endpoints (1000 with a raised limit), so a service's endpoints are the union of all its
 * slices, never the last one seen.
 *
 * <p>One server per endpoint, at the endpoint's first address (the API says its addresses are
 * fungible) and the slice's port chosen by name or number. An endpoint listed by two slices (the
 * controller moves endpoints between slices) counts once, with its healthiest state.
 */
final class SliceMembership {
  /** The address types a slice may have: {@code addressType} of the EndpointSlice API. */
  static final Set<String> ADDRESS_TYPES = Set.of("IPv4", "IPv6", "FQDN");

  private final ImmutableList<Server> servers;
  private final ImmutableMap<String, HealthState> health;
  private final ImmutableList<String> skipped;

  private SliceMembership(
      ImmutableList<Server> servers,
      ImmutableMap<String, HealthState> health,
      ImmutableList<String> skipped) {
    this.servers = servers;
    this.health = health;
    this.skipped = skipped;
  }

  /** The servers, sorted by id: the slices' order (a hash map's) changes nothing. */
  ImmutableList<Server> servers() {
    return servers;
  }

  /** The health of every server that is not {@link HealthState#HEALTHY}, by id. */
  ImmutableMap<String, HealthState> health() {
    return health;
  }

  /** Why endpoints were left out (an address that is no host), one line each; empty mostly. */
  ImmutableList<String> skipped() {
    return skipped;
  }

  /**
   * The health an endpoint's conditions say (the API's rules for a missing condition: {@code ready}
   * unknown counts as ready, {@code serving} unknown defers to {@code ready}, {@code terminating}
   * unknown counts as not terminating): terminating, or serving but not ready, is {@link
   * HealthState#DRAINING} (requests under way finish, no new ones); ready is {@link
   * HealthState#HEALTHY}; neither ready nor serving is {@link HealthState#UNHEALTHY} (a pod that is
   * starting or fails its readiness probe).
   */
  static HealthState healthOf(@Nullable EndpointConditions conditions) {
    if (conditions == null) {
      return HealthState.HEALTHY;
    }
    if (Boolean.TRUE.equals(conditions.getTerminating())) {
      return HealthState.DRAINING;
    }
    if (!Boolean.FALSE.equals(conditions.getReady())) {
      return HealthState.HEALTHY;
    }
    return Boolean.TRUE.equals(conditions.getServing())
        ? HealthState.DRAINING
        : HealthState.UNHEALTHY;
  }

  /**
   * Merges {@code slices} of the service {@code service}.
   *
   * @param portName the slice port to take by name, or null
   * @param portNumber the slice port to take by number, or 0
   * @param addressTypes the address types to take
   * @throws IllegalStateException saying what is missing if there is no slice, or no slice has the
   *     port asked for: a failure to report, not "no servers"
   */
  static SliceMembership of(
      String service,
      Collection<EndpointSlice> slices,
      @Nullable String portName,
      int portNumber,
      Set<String> addressTypes) {
    if (slices.isEmpty()) {
      throw new IllegalStateException(
          "no EndpointSlice of service "
              + service
              + " (label kubernetes.io/service-name): is the name right, and does the service"
              + " have a selector or endpoints?");
    }
    Map<String, Server> byId = new TreeMap<>();
    Map<String, HealthState> healthById = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    Set<String> portsSeen = new TreeSet<>();
    boolean anyPort = false;
    boolean anyType = false;
    for (EndpointSlice slice : sorted(slices)) {
      if (!addressTypes.contains(slice.getAddressType())) {
        continue;
      }
      anyType = true;
      Integer port = port(slice, portName, portNumber, portsSeen);
      if (port == null) {
        continue;
      }
      anyPort = true;
      for (Endpoint endpoint : nonNull(slice.getEndpoints())) {
        List<String> addresses = nonNull(endpoint.getAddresses());
        if (addresses.isEmpty()) {
          continue;
        }
        Server server;
        try {
          server = server(addresses.get(0), port, endpoint);
        } catch (IllegalArgumentException e) {
          skipped.add(sliceName(slice) + ": " + e.getMessage());
          continue;
        }
        HealthState h = healthOf(endpoint.getConditions());
        HealthState before = healthById.get(server.id());
        if (before == null || rank(h) < rank(before)) {
          byId.put(server.id(), server);
          healthById.put(server.id(), h);
        }
      }
    }
    if (!anyType) {
      throw new IllegalStateException(
          "no EndpointSlice of service " + service + " has an address type in " + addressTypes);
    }
    if (!anyPort) {
      throw new IllegalStateException(
          "no EndpointSlice of service "
              + service
              + " has "
              + (portName != null
                  ? "a port named '" + portName + "'"
                  : portNumber != 0 ? "port " + portNumber : "exactly one port")
              + "; its ports are "
              + portsSeen
              + (portName == null && portNumber == 0 ? ": choose one with portName" : ""));
    }
    ImmutableMap.Builder<String, HealthState> notHealthy = ImmutableMap.builder();
    healthById.forEach(
        (id, h) -> {
          if (h != HealthState.HEALTHY) {
            notHealthy.put(id, h);
          }
        });
    return new SliceMembership(
        ImmutableList.copyOf(byId.values()),
        notHealthy.buildOrThrow(),
        ImmutableList.copyOf(skipped));
  }

  /**
   * The port of {@code slice} that is asked for, or null if it has none: by name; by number (a
   * slice with no ports, or a port of no number, means every port); or the slice's only port.
   */
  private static @Nullable Integer port(
      EndpointSlice slice, @Nullable String portName, int portNumber, Set<String> portsSeen) {
    List<EndpointPort> ports = nonNull(slice.getPorts());
    if (ports.isEmpty()) {
      return portNumber != 0 ? portNumber : null;
    }
    Integer only = null;
    for (EndpointPort p : ports) {
      Integer number = p.getPort();
      String name = p.getName() == null ? "" : p.getName();
      portsSeen.add((name.isEmpty() ? "(unnamed)" : name) + "=" + (number == null ? "*" : number));
      if (portName != null) {
        if (portName.equals(name) && number != null) {
          return number;
        }
      } else if (portNumber != 0) {
        if (number == null || number == portNumber) {
          return portNumber;
        }
      } else if (ports.size() == 1 && number != null) {
        only = number;
      }
    }
    return only;
  }

  private static Server server(String address, int port, Endpoint endpoint) {
    Server.Builder b = Server.builder(address, port);
    String zone = endpoint.getZone();
    if (zone != null && !zone.isBlank()) {
      b.zone(zone);
    }
    ObjectReference target = endpoint.getTargetRef();
    if (target != null && "Pod".equals(target.getKind()) && target.getName() != null) {
      b.putMetadata(EndpointSliceSource.POD_METADATA, target.getName());
    }
    String node = endpoint.getNodeName();
    if (node != null && !node.isBlank()) {
      b.putMetadata(EndpointSliceSource.NODE_METADATA, node);
    }
    EndpointHints hints = endpoint.getHints();
    if (hints != null && hints.getForZones() != null && !hints.getForZones().isEmpty()) {
      List<String> zones = new ArrayList<>();
      for (ForZone z : hints.getForZones()) {
        if (z.getName() != null) {
          zones.add(z.getName());
        }
      }
      b.putMetadata(EndpointSliceSource.ZONE_HINTS_METADATA, String.join(",", zones));
    }
    return b.build();
  }

  /** Healthiest first: what an endpoint listed twice counts as. */
  private static int rank(HealthState h) {
    return switch (h) {
      case HEALTHY -> 0;
      case DRAINING -> 1;
      default -> 2;
    };
  }

  private static List<EndpointSlice> sorted(Collection<EndpointSlice> slices) {
    List<EndpointSlice> out = new ArrayList<>(slices);
    out.sort(Comparator.comparing(SliceMembership::sliceName));
    return out;
  }

  private static String sliceName(EndpointSlice slice) {
    return slice.getMetadata() == null || slice.getMetadata().getName() == null
        ? ""
        : slice.getMetadata().getName();
  }

  private static <T> List<T> nonNull(@Nullable List<T> list) {
    return list == null ? List.of() : list;
  }
}
