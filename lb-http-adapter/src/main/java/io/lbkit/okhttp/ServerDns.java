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
package io.lbkit.okhttp;

import com.google.common.net.InetAddresses;
import io.lbkit.core.Server;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import okhttp3.Dns;
import org.jspecify.annotations.Nullable;

/**
 * Resolves the logical host name to one picked server's address, and every other name as the client
 * normally would.
 *
 * <p>This is how a request keeps its logical URL host (so that TLS sends it as SNI and verifies the
 * certificate against it) while its connection goes to the picked server. Two instances are equal
 * when they route the same logical name to the same server address through the same delegate:
 * OkHttp's connection pool compares the {@link Dns} of a connection's address with {@code equals},
 * so equal instances share pooled connections and different servers never do.
 */
final class ServerDns implements Dns {
  private final String logicalHost;
  private final String serverHost;
  private final Dns delegate;

  ServerDns(String logicalHost, Server server, Dns delegate) {
    this.logicalHost = logicalHost;
    this.serverHost = server.host();
    this.delegate = delegate;
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    if (!hostname.equalsIgnoreCase(logicalHost)) {
      // A redirect to another host, say: not ours to route.
      return delegate.lookup(hostname);
    }
    String host = serverHost;
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (InetAddresses.isInetAddress(host)) {
      return List.of(InetAddresses.forString(host));
    }
    return delegate.lookup(host);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ServerDns d
        && d.logicalHost.equals(logicalHost)
        && d.serverHost.equals(serverHost)
        && d.delegate.equals(delegate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(logicalHost, serverHost, delegate);
  }

  @Override
  public String toString() {
    return "ServerDns{" + logicalHost + " -> " + serverHost + "}";
  }
}
