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

import com.google.common.collect.ImmutableList;
import com.google.common.net.HostAndPort;
import io.grpc.Attributes;
import io.grpc.ChannelLogger;
import io.grpc.ChannelLogger.ChannelLogLevel;
import io.lbkit.core.Server;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The lbkit server of an address group: id "host:port" (joined by "," for several), with the weight
 * and zone a resolver attached ({@link LbkitPolicies#WEIGHT}, {@link LbkitPolicies#ZONE}).
 */
final class AddressGroupServers {
  /** Servers that are no socket addresses (in-process, Unix sockets) get this placeholder host. */
  private static final String NON_INET_HOST = "address.invalid";

  private AddressGroupServers() {}

  /** The server for these addresses; an invalid weight is logged to {@code log} and ignored. */
  static Server toServer(
      ImmutableList<SocketAddress> addresses, Attributes attrs, ChannelLogger log) {
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
        log.log(ChannelLogLevel.WARNING, "ignoring invalid lbkit weight {0} of {1}", weight, id);
      }
    }
    String zone = attrs.get(LbkitPolicies.ZONE);
    if (zone != null && !zone.isBlank()) {
      b.zone(zone);
    }
    return b.build();
  }

  private static Server.Builder placeholderOr(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      try {
        return Server.builder(inet.getHostString(), inet.getPort());
      } catch (IllegalArgumentException e) {
        // Port 0 or an odd host: the id still names the address.
      }
    }
    return Server.builder(NON_INET_HOST, 1);
  }

  private static String addressString(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      return HostAndPort.fromParts(inet.getHostString(), inet.getPort()).toString();
    }
    return String.valueOf(address);
  }
}
