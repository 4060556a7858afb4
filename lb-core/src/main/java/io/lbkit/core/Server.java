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
import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.Immutable;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One server that a {@link LoadBalancer} may send requests to: an immutable value made of a stable
 * id, a host and port, a weight, an optional zone and string metadata.
 *
 * <p>The id is the server's identity inside a balancer: two servers with the same id cannot be in
 * one balancer at once, and replacing a server by another with the same id (for example to change
 * its weight) keeps its runtime state (in-flight count, latency estimate, health). By default the
 * id is {@code host:port}.
 *
 * <pre>{@code
 * Server a = Server.of("10.0.0.1", 8080);
 * Server b = Server.builder("10.0.0.2", 8080).weight(3).zone("eu-west-1a").build();
 * Server c = Server.parse("inventory-7.internal:9090").withWeight(0.5);
 * }</pre>
 *
 * <p>Every factory validates its input and fails with an {@link IllegalArgumentException} (or a
 * {@link NullPointerException} for a null) whose message names the bad value: a host that is not a
 * host name or an IP literal, a port outside 1..65535, a weight that is not a positive finite
 * number.
 *
 * <p>A host is an RFC 1123 host name ({@code inventory-7.internal}; underscores are allowed too),
 * an IPv4 address ({@code 10.0.0.1}), or an IPv6 literal, bare or in brackets ({@code ::1}, {@code
 * [::1]}, {@code fe80::1%eth0}). Anything else is rejected, so that health checks probe exactly the
 * host that traffic goes to: user info ({@code user@host}), a port ({@code host:80}), a path, query
 * or fragment ({@code /}, {@code ?}, {@code #}), spaces, and all-numeric names that are not valid
 * IPv4 addresses ({@code 1.2.3}, {@code 010.0.0.1}).
 *
 * @since 0.1.0
 */
@Immutable
public final class Server {
  /** The weight of a server that is given none. */
  public static final double DEFAULT_WEIGHT = 1.0;

  /**
   * A host name: RFC 1123 labels (letters, digits, inner hyphens) of 1 to 63 characters, with one
   * allowance, underscores, which service discovery names often have (Docker Compose, SRV-style
   * names); an optional final dot (a fully qualified name).
   */
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.)*"
              + "[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\\.?");

  /** Digits and dots only: an IPv4 address, or a name no resolver would treat as one. */
  private static final Pattern ALL_NUMERIC = Pattern.compile("[0-9.]+");

  private final String id;
  private final String host;
  private final int port;
  private final double weight;
  private final @Nullable String zone;
  private final ImmutableMap<String, String> metadata;

  private Server(Builder b) {
    this.host = checkHost(b.host);
    this.port = checkPort(b.port);
    this.weight = checkWeight(b.weight);
    this.id = b.id != null ? checkId(b.id) : HostAndPort.fromParts(host, port).toString();
    this.zone = b.zone != null ? checkZone(b.zone) : null;
    this.metadata = ImmutableMap.copyOf(b.metadata);
  }

  /**
   * Returns a server of weight 1 with no zone and no metadata, whose id is {@code host:port}.
   *
   * @throws IllegalArgumentException naming the value if the host is not a host name or an IP
   *     literal (see the class documentation) or the port is outside 1..65535
   */
  public static Server of(String host, int port) {
    return builder(host, port).build();
  }

  /**
   * Parses {@code host:port} (IPv6 hosts in brackets: {@code [::1]:8080}) into a server of weight
   * 1.
   *
   * @throws IllegalArgumentException naming the address if it is malformed or has no port
   */
  public static Server parse(String address) {
    requireNonNull(address, "address");
    HostAndPort parsed;
    try {
      parsed = HostAndPort.fromString(address.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed server address '" + address + "'", e);
    }
    checkArgument(
        parsed.hasPort(), "server address '%s' has no port (expected host:port)", address);
    try {
      return of(parsed.getHost(), parsed.getPort());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "malformed server address '" + address + "': " + e.getMessage(), e);
    }
  }

  /** Returns a builder for a server at {@code host:port}. */
  public static Builder builder(String host, int port) {
    return new Builder(host, port);
  }

  /** The stable identity of this server in a balancer; {@code host:port} unless set. */
  public String id() {
    return id;
  }

  /** The host name or IP literal (without brackets for IPv6). */
  public String host() {
    return host;
  }

  /** The port, in 1..65535. */
  public int port() {
    return port;
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  public String address() {
    return HostAndPort.fromParts(host, port).toString();
  }

  /** The relative weight: a positive, finite number ({@value #DEFAULT_WEIGHT} by default). */
  public double weight() {
    return weight;
  }

  /** The zone (for example an availability zone) this server runs in, if known. */
  public Optional<String> zone() {
    return Optional.ofNullable(zone);
  }

  /** Free-form string metadata (for example {@code version=v2}); empty by default. */
  public ImmutableMap<String, String> metadata() {
    return metadata;
  }

  /** Returns a copy of this server with another weight and everything else unchanged. */
  public Server withWeight(double weight) {
    return toBuilder().weight(weight).build();
  }

  /** Returns a copy of this server in another zone and everything else unchanged. */
  public Server withZone(String zone) {
    return toBuilder().zone(zone).build();
  }

  /** Returns a copy of this server with these metadata (replacing the old) and the same rest. */
  public Server withMetadata(Map<String, String> metadata) {
    return toBuilder().metadata(metadata).build();
  }

  /** Returns a builder that starts from this server's values. */
  public Builder toBuilder() {
    Builder b = new Builder(host, port).id(id).weight(weight).metadata(metadata);
    if (zone != null) {
      b.zone(zone);
    }
    return b;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Server that)) {
      return false;
    }
    return port == that.port
        && Double.compare(weight, that.weight) == 0
        && id.equals(that.id)
        && host.equals(that.host)
        && Objects.equals(zone, that.zone)
        && metadata.equals(that.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, host, port, weight, zone, metadata);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Server{").append(id);
    if (!id.equals(address())) {
      sb.append(" at ").append(address());
    }
    if (weight != DEFAULT_WEIGHT) {
      sb.append(", weight=").append(weight);
    }
    if (zone != null) {
      sb.append(", zone=").append(zone);
    }
    if (!metadata.isEmpty()) {
      sb.append(", metadata=").append(metadata);
    }
    return sb.append('}').toString();
  }

  private static String checkHost(String host) {
    requireNonNull(host, "host");
    checkArgument(!host.isBlank(), "host must not be blank but was '%s'", host);
    checkArgument(
        host.strip().equals(host), "host must not have surrounding spaces but was '%s'", host);
    checkArgument(
        host.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)),
        "host must not contain spaces or control characters but was '%s'",
        host);
    if (host.startsWith("[") || host.endsWith("]")) {
      String bare = host.length() >= 2 ? host.substring(1, host.length() - 1) : "";
      checkArgument(
          host.startsWith("[")
              && host.endsWith("]")
              && bare.indexOf(':') >= 0
              && InetAddresses.isInetAddress(bare),
          "host in brackets must be an IPv6 literal such as [::1] but was '%s'",
          host);
      return bare;
    }
    if (host.indexOf(':') >= 0) {
      checkArgument(
          InetAddresses.isInetAddress(host),
          "host must be a host name or an IP literal, without a port, but was '%s' (give the port"
              + " separately, or parse host:port with Server.parse)",
          host);
      return host;
    }
    checkArgument(
        HOST_NAME.matcher(host).matches(),
        "host must be a host name (letters, digits, '-' and '_' in dot-separated labels of at most"
            + " 63 characters) or an IP literal, without user info, port, path, query or"
            + " fragment, but was '%s'",
        host);
    checkArgument(
        host.length() <= (host.endsWith(".") ? 254 : 253),
        "host name must be at most 253 characters but was '%s' (%s characters)",
        host,
        host.length());
    checkArgument(
        !ALL_NUMERIC.matcher(host).matches() || InetAddresses.isInetAddress(host),
        "host looks like an IPv4 address but is not a valid one (four numbers in 0..255, no"
            + " leading zeros): '%s'",
        host);
    return host;
  }

  private static int checkPort(int port) {
    checkArgument(port >= 1 && port <= 65535, "port must be in 1..65535 but was %s", port);
    return port;
  }

  static double checkWeight(double weight) {
    checkArgument(
        weight > 0 && Double.isFinite(weight),
        "weight must be a positive finite number but was %s",
        weight);
    return weight;
  }

  private static String checkId(String id) {
    checkArgument(!id.isBlank(), "server id must not be blank but was '%s'", id);
    return id;
  }

  private static String checkZone(String zone) {
    checkArgument(!zone.isBlank(), "zone must not be blank but was '%s'", zone);
    return zone;
  }

  /**
   * Builds a {@link Server}; validation happens in {@link #build()}, which leaves the builder
   * unchanged so that it can build again.
   */
  public static final class Builder {
    private final String host;
    private final int port;
    private @Nullable String id;
    private double weight = DEFAULT_WEIGHT;
    private @Nullable String zone;
    private ImmutableMap<String, String> metadata = ImmutableMap.of();

    private Builder(String host, int port) {
      this.host = requireNonNull(host, "host");
      this.port = port;
    }

    /** Sets the stable id ({@code host:port} when unset). */
    @CanIgnoreReturnValue
    public Builder id(String id) {
      this.id = requireNonNull(id, "id");
      return this;
    }

    /** Sets the relative weight: a positive finite number. */
    @CanIgnoreReturnValue
    public Builder weight(double weight) {
      this.weight = weight;
      return this;
    }

    /** Sets the zone. */
    @CanIgnoreReturnValue
    public Builder zone(String zone) {
      this.zone = requireNonNull(zone, "zone");
      return this;
    }

    /** Replaces the metadata; keys and values must not be null. */
    @CanIgnoreReturnValue
    public Builder metadata(Map<String, String> metadata) {
      this.metadata = ImmutableMap.copyOf(requireNonNull(metadata, "metadata"));
      return this;
    }

    /** Adds one metadata entry, replacing an earlier value of the same key. */
    @CanIgnoreReturnValue
    public Builder putMetadata(String key, String value) {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
      this.metadata =
          ImmutableMap.<String, String>builder()
              .putAll(metadata)
              .put(key, value)
              .buildKeepingLast();
      return this;
    }

    /**
     * Returns the server.
     *
     * @throws IllegalArgumentException naming the value if the host, port, weight, id or zone is
     *     invalid
     */
    public Server build() {
      return new Server(this);
    }
  }
}
