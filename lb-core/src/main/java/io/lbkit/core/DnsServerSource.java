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

import com.google.common.collect.ImmutableList;
import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import org.jspecify.annotations.Nullable;

/**
 * Servers from DNS, polled: the A and AAAA records of a host name ({@link #forHost}: one server per
 * address, all on the given port) or the SRV records of a service name ({@link #forSrv}).
 *
 * <pre>{@code
 * ServerSource inventory = DnsServerSource.forSrv("_http._tcp.inventory.internal")
 *     .refreshInterval(Duration.ofSeconds(10))
 *     .build();
 * }</pre>
 *
 * <p>SRV follows RFC 2782: only the usable records of the lowest priority value are used (the
 * others are backups), a target of {@code "."} or a port of 0 is no server; each remaining record's
 * target becomes one server per A/AAAA address, on the record's port, with the record's weight (0
 * counts as 1, so that such a server still gets calls). Where a target's address look-up fails, its
 * last known addresses stand in. A name with no usable record, or no address, is a failure: {@link
 * DiscoveryBinding} keeps the last good list.
 *
 * <p>Each server's id is {@code address:port}; its host is the IP address, and its metadata holds
 * the DNS name it came from under {@value #NAME_METADATA}. The list is sorted by id, so that an
 * unchanged answer in another order is an unchanged list.
 *
 * <p>Look-ups go through the JDK's JNDI DNS provider to the {@linkplain Builder#dnsServer DNS
 * server} given, each bounded by the {@linkplain Builder#lookupTimeout look-up timeout} (2 seconds
 * by default). Without a server, SRV records come from the system's DNS servers, and addresses from
 * {@link InetAddress#getAllByName}, which honours the hosts file and the JVM's address cache
 * ({@code networkaddress.cache.ttl}) but has the operating system's timeouts.
 *
 * @since 0.1.0
 */
public final class DnsServerSource extends PollingServerSource {
  /** The metadata key of the DNS name a server's address was found under. */
  public static final String NAME_METADATA = "dns.name";

  /** The bound on one look-up, unless set: 2 seconds. */
  public static final Duration DEFAULT_LOOKUP_TIMEOUT = Duration.ofSeconds(2);

  // Labels of letters, digits, '_' and '-' (SRV names start with _service._proto), optional root
  // dot.
  private static final Pattern DNS_NAME =
      Pattern.compile("(?:[A-Za-z0-9_-]{1,63}\\.)*[A-Za-z0-9_-]{1,63}\\.?");

  private final String name;
  private final int port;
  private final boolean srv;
  private final double weight;
  private final @Nullable String zone;
  private final JndiDns dns;
  // The last addresses of each host name, which stand in when a later look-up of it fails.
  // Concurrent: two registrations of one source poll on two threads.
  private final Map<String, List<InetAddress>> lastAddresses = new ConcurrentHashMap<>();

  private DnsServerSource(Builder b) {
    super(b.srv ? "srv:" + b.name : b.name + ":" + b.port, b.refreshInterval, b.initialBackoff);
    this.name = b.name;
    this.port = b.port;
    this.srv = b.srv;
    this.weight = b.weight;
    this.zone = b.zone;
    this.dns = new JndiDns(b.serverUrl, b.lookupTimeout);
  }

  /**
   * A source of one server per A and AAAA record of {@code host}, on {@code port}.
   *
   * @throws IllegalArgumentException naming the value if the host is not a DNS name or the port is
   *     outside 1..65535
   */
  public static Builder forHost(String host, int port) {
    checkArgument(port >= 1 && port <= 65535, "port must be in 1..65535 but was %s", port);
    return new Builder(checkName(host, "host"), port, false);
  }

  /**
   * A source of the servers that the SRV records of {@code name} (such as {@code
   * _http._tcp.inventory.internal}) point to.
   *
   * @throws IllegalArgumentException naming the value if the name is not a DNS name
   */
  public static Builder forSrv(String name) {
    return new Builder(checkName(name, "SRV name"), 0, true);
  }

  private static String checkName(String name, String what) {
    requireNonNull(name, what);
    checkArgument(!name.isBlank(), "%s must not be blank but was '%s'", what, name);
    checkArgument(
        name.length() <= 254 && DNS_NAME.matcher(name).matches(),
        "%s must be a DNS name (letters, digits, '-' and '_' in dot-separated labels of at most 63"
            + " characters) but was '%s'",
        what,
        name);
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  @Override
  protected List<Server> poll() throws NamingException, UnknownHostException {
    Map<String, Server> byId = new LinkedHashMap<>();
    if (!srv) {
      for (InetAddress a : addressesOf(name)) {
        add(byId, a, port, weight, name);
      }
      return sorted(byId);
    }
    ImmutableList<SrvRecord> records = SrvRecord.preferred(dns.srv(name));
    if (records.isEmpty()) {
      throw new NameNotFoundException("no usable SRV record for " + name);
    }
    List<String> failures = new ArrayList<>();
    for (SrvRecord r : records) {
      List<InetAddress> addresses;
      try {
        addresses = addressesOf(r.target());
      } catch (NamingException | UnknownHostException e) {
        List<InetAddress> last = lastAddresses.get(r.target());
        if (last == null) {
          failures.add(r.target() + " (" + e + ")");
          continue;
        }
        addresses = last;
      }
      for (InetAddress a : addresses) {
        add(byId, a, r.port(), r.serverWeight(), r.target());
      }
    }
    if (byId.isEmpty()) {
      throw new NameNotFoundException(
          "no address for the SRV targets of " + name + ": " + String.join(", ", failures));
    }
    return sorted(byId);
  }

  private List<InetAddress> addressesOf(String host) throws NamingException, UnknownHostException {
    List<InetAddress> found = dns.addresses(host);
    if (found.isEmpty()) {
      throw new NameNotFoundException("no A or AAAA record for " + host);
    }
    lastAddresses.put(host, found);
    return found;
  }

  private void add(Map<String, Server> byId, InetAddress address, int port, double w, String from) {
    Server.Builder b =
        Server.builder(InetAddresses.toAddrString(address), port)
            .weight(w)
            .putMetadata(NAME_METADATA, from);
    if (zone != null) {
      b.zone(zone);
    }
    Server s = b.build();
    byId.putIfAbsent(s.id(), s); // two records for one address and port: one server, the first
  }

  private static List<Server> sorted(Map<String, Server> byId) {
    List<Server> out = new ArrayList<>(byId.values());
    out.sort(Comparator.comparing(Server::id));
    return out;
  }

  /** Configures a {@link DnsServerSource}; every setter validates its value. */
  public static final class Builder {
    private final String name;
    private final int port;
    private final boolean srv;
    private @Nullable String serverUrl;
    private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration lookupTimeout = DEFAULT_LOOKUP_TIMEOUT;
    private double weight = Server.DEFAULT_WEIGHT;
    private @Nullable String zone;

    private Builder(String name, int port, boolean srv) {
      this.name = name;
      this.port = port;
      this.srv = srv;
    }

    /**
     * Asks this DNS server, {@code ip:port} or {@code ip} (port 53), such as {@code 127.0.0.1:5353}
     * or {@code [::1]:53}, instead of the system's.
     *
     * @throws IllegalArgumentException naming the value if it is not an IP address with an optional
     *     port in 1..65535
     */
    @CanIgnoreReturnValue
    public Builder dnsServer(String address) {
      requireNonNull(address, "address");
      HostAndPort hp;
      try {
        hp = HostAndPort.fromString(address.trim()).withDefaultPort(53);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "DNS server must be ip or ip:port but was '" + address + "'", e);
      }
      checkArgument(
          InetAddresses.isInetAddress(hp.getHost()),
          "DNS server must be an IP address (a name would need DNS to be found) but was '%s'",
          address);
      checkArgument(
          hp.getPort() >= 1 && hp.getPort() <= 65535,
          "DNS server port must be in 1..65535 but was '%s'",
          address);
      this.serverUrl = "dns://" + HostAndPort.fromParts(hp.getHost(), hp.getPort());
      return this;
    }

    /** How often to look again after a success: [10 ms, 1 day], 30 seconds by default. */
    @CanIgnoreReturnValue
    public Builder refreshInterval(Duration interval) {
      this.refreshInterval =
          Durations.check(interval, "refreshInterval", MIN_REFRESH_INTERVAL, Durations.ONE_DAY);
      return this;
    }

    /**
     * The first retry delay after a failed look-up, doubled after each further failure, never more
     * than the refresh interval: [1 ms, 1 day], 1 second by default.
     */
    @CanIgnoreReturnValue
    public Builder initialBackoff(Duration backoff) {
      this.initialBackoff = Durations.checkPositive(backoff, "initialBackoff");
      return this;
    }

    /** The bound on one DNS query, retries included: [10 ms, 1 minute], 2 seconds by default. */
    @CanIgnoreReturnValue
    public Builder lookupTimeout(Duration timeout) {
      this.lookupTimeout =
          Durations.check(timeout, "lookupTimeout", Duration.ofMillis(10), Duration.ofMinutes(1));
      return this;
    }

    /**
     * The weight of every server of a {@link #forHost} source (SRV records carry their own).
     *
     * @throws IllegalArgumentException if the weight is not a positive finite number, or the source
     *     is an SRV source
     */
    @CanIgnoreReturnValue
    public Builder weight(double weight) {
      checkArgument(
          !srv, "an SRV source takes its weights from the records, not weight(%s)", weight);
      this.weight = Server.checkWeight(weight);
      return this;
    }

    /** The zone of every server found. */
    @CanIgnoreReturnValue
    public Builder zone(String zone) {
      requireNonNull(zone, "zone");
      checkArgument(!zone.isBlank(), "zone must not be blank but was '%s'", zone);
      this.zone = zone;
      return this;
    }

    /** Returns the source; nothing is looked up until it is started. */
    public DnsServerSource build() {
      return new DnsServerSource(this);
    }
  }
}
