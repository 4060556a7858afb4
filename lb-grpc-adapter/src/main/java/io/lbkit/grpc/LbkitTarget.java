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
import com.google.common.net.InetAddresses;
import io.lbkit.core.DnsServerSource;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A parsed {@code lbkit:} target: its entries in order, the DNS server its authority names (if
 * any), its refresh interval, and a DNS source (not started) for each entry that is a host name or
 * an SRV name. The syntax is described on {@link LbkitNameResolvers}.
 */
final class LbkitTarget {
  static final Duration DEFAULT_REFRESH = Duration.ofSeconds(30);
  private static final Pattern INTERVAL = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  private final ImmutableList<Entry> entries;
  private final @Nullable String dnsServer;
  private final Duration refresh;
  private final ImmutableList<DnsServerSource> sources;

  private LbkitTarget(
      ImmutableList<Entry> entries,
      @Nullable String dnsServer,
      Duration refresh,
      ImmutableList<DnsServerSource> sources) {
    this.entries = entries;
    this.dnsServer = dnsServer;
    this.refresh = refresh;
    this.sources = sources;
  }

  /** The entries, in the target's order. */
  ImmutableList<Entry> entries() {
    return entries;
  }

  /** The DNS server the authority names, {@code ip:port}, or null for the system's. */
  @Nullable String dnsServer() {
    return dnsServer;
  }

  /** How often names are looked up again: the {@code refresh} parameter, or 30 seconds. */
  Duration refresh() {
    return refresh;
  }

  /** A source per host name and SRV entry, in the entries' order; empty for literals only. */
  ImmutableList<DnsServerSource> sources() {
    return sources;
  }

  /** One parsed entry of a target. */
  static final class Entry {
    final String host;
    final int port;
    final double weight;
    final @Nullable String zone;
    // The target-wide re-resolution interval, if this entry carries it.
    final @Nullable Duration refresh;
    // True for an srv:NAME entry: host is the SRV name, port and weight come from the records.
    final boolean srv;

    Entry(String host, int port, double weight, @Nullable String zone, @Nullable Duration refresh) {
      this(host, port, weight, zone, refresh, false);
    }

    private Entry(
        String host,
        int port,
        double weight,
        @Nullable String zone,
        @Nullable Duration refresh,
        boolean srv) {
      this.host = host;
      this.port = port;
      this.weight = weight;
      this.zone = zone;
      this.refresh = refresh;
      this.srv = srv;
    }

    static Entry srv(String name, @Nullable String zone, @Nullable Duration refresh) {
      return new Entry(name, 0, 1, zone, refresh, true);
    }

    boolean isLiteral() {
      return !srv && InetAddresses.isInetAddress(host);
    }

    /** The DNS source of a host name or SRV entry, not started. */
    DnsServerSource source(@Nullable String dnsServer, Duration refresh) {
      DnsServerSource.Builder b =
          srv ? DnsServerSource.forSrv(host) : DnsServerSource.forHost(host, port).weight(weight);
      if (zone != null) {
        b.zone(zone);
      }
      if (dnsServer != null) {
        b.dnsServer(dnsServer);
      }
      return b.refreshInterval(refresh).build();
    }

    /** What makes two entries the same: the SRV name, or the host (normalised) and port. */
    String identity() {
      if (srv) {
        return "srv:" + host.toLowerCase(Locale.ROOT);
      }
      String h =
          isLiteral()
              ? InetAddresses.toAddrString(InetAddresses.forString(host))
              : host.toLowerCase(Locale.ROOT);
      return HostAndPort.fromParts(h, port).toString();
    }
  }

  /**
   * Parses a target, and builds (without starting) a DNS source for each of its names.
   *
   * @throws IllegalArgumentException naming the malformed part
   */
  static LbkitTarget parse(URI target) {
    String spec = target.getRawSchemeSpecificPart();
    if (spec == null || spec.isEmpty()) {
      throw bad(target, "no addresses; expected lbkit:///host:port[?weight=w&zone=z],...");
    }
    String dnsServer = null;
    if (spec.startsWith("//")) {
      spec = spec.substring(2);
      int slash = spec.indexOf('/');
      String authority = slash < 0 ? spec : spec.substring(0, slash);
      if (!authority.isEmpty()) {
        dnsServer = dnsServer(target, decode(authority));
      }
      spec = spec.substring(authority.length());
      if (!spec.startsWith("/")) {
        throw bad(target, "expected lbkit:///host:port,...");
      }
      spec = spec.substring(1);
    }
    if (spec.isEmpty()) {
      throw bad(target, "no addresses; expected lbkit:///host:port[?weight=w&zone=z],...");
    }
    ImmutableList.Builder<Entry> out = ImmutableList.builder();
    String[] parts = spec.split(",", -1);
    boolean refreshSeen = false;
    // Each entry's identity (normalised host, port) -> its position, to refuse repeats.
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < parts.length; i++) {
      Entry e = parseEntry(target, i, parts[i]);
      Integer earlier = seen.putIfAbsent(e.identity(), i);
      if (earlier != null) {
        // Two entries for one address would need one weight and one zone: refuse rather than
        // silently keep the first.
        throw bad(
            target,
            "entry "
                + (i + 1)
                + " ('"
                + parts[i]
                + "') repeats entry "
                + (earlier + 1)
                + " ('"
                + parts[earlier]
                + "'); list each address once");
      }
      if (e.refresh != null) {
        if (refreshSeen) {
          throw bad(target, "refresh is set more than once; it applies to the whole target");
        }
        refreshSeen = true;
      }
      out.add(e);
    }
    ImmutableList<Entry> entries = out.build();
    Duration refresh = refreshInterval(entries);
    ImmutableList.Builder<DnsServerSource> sources = ImmutableList.builder();
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e.isLiteral()) {
        continue;
      }
      try {
        sources.add(e.source(dnsServer, refresh));
      } catch (IllegalArgumentException ex) {
        throw bad(target, "entry " + (i + 1) + " ('" + parts[i] + "'): " + ex.getMessage());
      }
    }
    return new LbkitTarget(entries, dnsServer, refresh, sources.build());
  }

  /**
   * The DNS server an authority names: {@code ip} or {@code ip:port}, as in gRPC's {@code
   * dns://8.8.8.8/host:port}.
   */
  private static String dnsServer(URI target, String authority) {
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(authority).withDefaultPort(53);
    } catch (IllegalArgumentException e) {
      hp = null;
    }
    if (hp == null
        || !InetAddresses.isInetAddress(hp.getHost())
        || hp.getPort() < 1
        || hp.getPort() > 65535) {
      throw bad(
          target,
          "an authority ('"
              + authority
              + "') is not supported unless it is the IP address of the DNS server to ask, with an"
              + " optional port, such as lbkit://10.0.0.53:53/backend.internal:8080; use lbkit:///"
              + " for the system's DNS servers");
    }
    return hp.toString();
  }

  private static Entry parseEntry(URI target, int index, String raw) {
    String where = "entry " + (index + 1) + " ('" + raw + "')";
    if (raw.isEmpty()) {
      throw bad(target, where + " is empty");
    }
    int q = raw.indexOf('?');
    String hostPort = decode(q < 0 ? raw : raw.substring(0, q));
    if (isSrv(hostPort)) {
      return parseSrvEntry(target, where, hostPort.substring(SRV_PREFIX.length()), raw, q);
    }
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(hostPort);
    } catch (IllegalArgumentException e) {
      throw bad(target, where + ": malformed host:port (" + e.getMessage() + ")");
    }
    if (!hp.hasPort() && hp.getHost().indexOf(':') >= 0) {
      throw bad(target, where + ": " + bracketsNeeded(hp.getHost()));
    }
    if (!hp.hasPort()) {
      throw bad(target, where + ": a port is required");
    }
    if (hp.getHost().isEmpty()) {
      throw bad(target, where + ": a host is required");
    }
    if (hp.getPort() < 1) {
      throw bad(target, where + ": port must be in 1..65535 but was " + hp.getPort());
    }
    Parameters p = parameters(target, where, raw, q, false);
    return new Entry(hp.getHost(), hp.getPort(), p.weight, p.zone, p.refresh);
  }

  /**
   * Why an entry such as {@code ::1:8080} is refused, with the form to write instead. The brackets
   * are percent-encoded because gRPC's channel builder refuses a target with raw brackets in its
   * path before any resolver sees it.
   */
  private static String bracketsNeeded(String bare) {
    int colon = bare.lastIndexOf(':');
    String address = bare.substring(0, colon);
    String port = bare.substring(colon + 1);
    String example =
        InetAddresses.isInetAddress(address) && DIGITS.matcher(port).matches()
            ? "%5B" + address + "%5D:" + port
            : "%5B2001:db8::1%5D:8080";
    return "an IPv6 address needs brackets, percent-encoded in a gRPC target ([ as %5B, ] as %5D),"
        + " such as "
        + example;
  }

  /** An entry's parameters: the values after {@code ?}, or the defaults. */
  private static final class Parameters {
    double weight = 1;
    @Nullable String zone;
    @Nullable Duration refresh;
  }

  /**
   * The parameters of the entry {@code raw} whose query starts after index {@code q} (none if
   * {@code q} is negative): {@code weight}, {@code zone} and {@code refresh} for a host entry, the
   * last two for an SRV entry, whose weights come from its records. Names are case-insensitive;
   * names and values are percent-decoded.
   */
  private static Parameters parameters(URI target, String where, String raw, int q, boolean srv) {
    Parameters p = new Parameters();
    if (q < 0) {
      return p;
    }
    for (String param : raw.substring(q + 1).split("&", -1)) {
      int eq = param.indexOf('=');
      if (eq <= 0) {
        throw bad(target, where + ": expected name=value but found '" + param + "'");
      }
      String name = decode(param.substring(0, eq));
      String value = decode(param.substring(eq + 1));
      switch (name.toLowerCase(Locale.ROOT)) {
        case "weight" -> {
          if (srv) {
            throw bad(
                target,
                where + ": an SRV entry takes no weight (weights come from the SRV records)");
          }
          p.weight = weightParameter(target, where, value);
        }
        case "zone" -> p.zone = zoneParameter(target, where, value);
        case "refresh" -> p.refresh = refreshParameter(target, where, value);
        default ->
            throw bad(
                target,
                where
                    + ": unknown parameter '"
                    + name
                    + (srv
                        ? "' on an SRV entry; expected zone or refresh"
                        : "'; expected weight, zone or refresh"));
      }
    }
    return p;
  }

  private static double weightParameter(URI target, String where, String value) {
    double weight;
    try {
      weight = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      weight = Double.NaN;
    }
    if (!(weight > 0 && Double.isFinite(weight))) {
      throw bad(target, where + ": weight must be a positive number but was '" + value + "'");
    }
    return weight;
  }

  /** The value of an entry's {@code zone} parameter. */
  private static String zoneParameter(URI target, String where, String value) {
    if (value.isBlank()) {
      throw bad(target, where + ": zone must not be blank");
    }
    return value;
  }

  /** The value of an entry's {@code refresh} parameter. */
  private static Duration refreshParameter(URI target, String where, String value) {
    Duration refresh = parseInterval(value);
    if (refresh == null) {
      throw bad(
          target,
          where
              + ": refresh must be a duration from 10ms to 24h, such as 30s, 500ms, 5m or 1h, but was '"
              + value
              + "'");
    }
    return refresh;
  }

  private static final String SRV_PREFIX = "srv:";
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");
  // Labels of letters, digits, '_' and '-' (SRV names start with _service._proto), optional root
  // dot.
  private static final Pattern DNS_NAME =
      Pattern.compile("(?:[A-Za-z0-9_-]{1,63}\\.)*[A-Za-z0-9_-]{1,63}\\.?");

  private static boolean isSrv(String hostPort) {
    // "srv:8080" stays what it always was: a host named srv with a port.
    return hostPort.regionMatches(true, 0, SRV_PREFIX, 0, SRV_PREFIX.length())
        && !DIGITS.matcher(hostPort.substring(SRV_PREFIX.length())).matches();
  }

  private static Entry parseSrvEntry(URI target, String where, String name, String raw, int q) {
    if (name.isEmpty()) {
      throw bad(target, where + ": an SRV name is required after 'srv:'");
    }
    if (name.indexOf(':') >= 0) {
      throw bad(
          target,
          where + ": an SRV entry takes no port (ports come from the SRV records): '" + name + "'");
    }
    if (name.length() > 254 || !DNS_NAME.matcher(name).matches()) {
      throw bad(
          target,
          where
              + ": malformed SRV name '"
              + name
              + "'; expected a DNS name such as _grpc._tcp.example.internal");
    }
    Parameters p = parameters(target, where, raw, q, true);
    String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return Entry.srv(bare, p.zone, p.refresh);
  }

  /** A positive interval such as 30s, 0.5s, 500ms, 5m or 1h, or null if malformed. */
  private static @Nullable Duration parseInterval(String value) {
    Matcher m = INTERVAL.matcher(value);
    if (!m.matches()) {
      return null;
    }
    BigDecimal amount = new BigDecimal(m.group(1));
    long nanosPerUnit =
        switch (m.group(2)) {
          case "ms" -> 1_000_000L;
          case "s" -> 1_000_000_000L;
          case "m" -> 60_000_000_000L;
          default -> 3_600_000_000_000L; // "h"
        };
    BigDecimal nanos = amount.multiply(BigDecimal.valueOf(nanosPerUnit));
    // At least 10 ms, at most a day: beyond that a value is a typo, not a choice (and polling DNS
    // more often than every 10 ms would only load it).
    if (nanos.compareTo(BigDecimal.valueOf(10_000_000L)) < 0
        || nanos.compareTo(BigDecimal.valueOf(86_400_000_000_000L)) > 0) {
      return null;
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** The target's re-resolution interval: its {@code refresh} parameter, or 30 seconds. */
  private static Duration refreshInterval(List<Entry> entries) {
    for (Entry e : entries) {
      if (e.refresh != null) {
        return e.refresh;
      }
    }
    return DEFAULT_REFRESH;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static IllegalArgumentException bad(URI target, String why) {
    return new IllegalArgumentException("invalid lbkit target '" + target + "': " + why);
  }
}
