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

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import io.grpc.Attributes;
import io.grpc.ChannelLogger;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.jspecify.annotations.Nullable;

/**
 * The {@code lbkit:} name resolver: a static list of addresses with weights and zones in the
 * target, registered in {@code META-INF/services/io.grpc.NameResolverProvider}.
 *
 * <pre>
 * lbkit:///10.0.0.1:8080?weight=2&amp;zone=a,10.0.0.2:8080,%5B::1%5D:8080?zone=b,backend.local:9000
 * </pre>
 *
 * <p>Entries are separated by commas; each is {@code host:port} with optional {@code weight}
 * (positive number, 1 by default) and {@code zone} parameters. Hosts are IP literals or names. An
 * IPv6 literal takes brackets, percent-encoded ({@code %5B::1%5D:8080}): gRPC's channel builder
 * refuses raw brackets in a target's path. Each entry names a distinct address (a repeated entry
 * fails the target); where two host names resolve to the same address, the first entry's weight and
 * zone apply. A name becomes one address per DNS record ({@link InetAddress#getAllByName}: A and
 * AAAA), each with the entry's weight and zone; names are looked up off the channel's threads when
 * the channel starts, again every {@code refresh} interval (a target-wide parameter that may appear
 * on one entry, such as {@code lbkit:///inventory.internal:8080?refresh=10s}; 30 seconds by
 * default) and whenever the balancer asks (a connection failed). A result equal to the last one is
 * not published. A name that cannot be looked up keeps its last addresses; when no entry has any,
 * the channel gets {@code UNAVAILABLE} naming the hosts. Targets of IP literals only are resolved
 * once. A malformed target fails the channel's {@code build()} with an {@link
 * IllegalArgumentException} naming the entry.
 *
 * <p>An entry {@code srv:NAME} (optionally with {@code zone}, and the target-wide {@code refresh})
 * looks up the DNS SRV records of {@code NAME}, such as {@code
 * lbkit:///srv:_grpc._tcp.inventory.internal?zone=a}. Only the records of the lowest priority value
 * are used (the others are backups that RFC 2782 clients try only when those are gone); each
 * record's target host becomes one address per A/AAAA record, with the record's port and the
 * record's weight (a weight of 0 counts as 1, so such a record still gets calls). An SRV entry
 * takes no port and no {@code weight}: both come from the records. {@code srv:} followed by digits
 * only is still a host named {@code srv} with a port. SRV names are re-resolved like host names; a
 * name whose lookup fails (or finds no record) keeps its last records.
 */
final class LbkitNameResolvers {
  static final String SCHEME = "lbkit";
  static final Duration DEFAULT_REFRESH = Duration.ofSeconds(30);
  private static final Pattern INTERVAL = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

  // Looks host names up when the channel has no offload executor (gRPC always gives one).
  private static final Executor FALLBACK_LOOKUPS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "lbkit-resolver");
            t.setDaemon(true);
            return t;
          });

  private LbkitNameResolvers() {}

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

    Entry(String host, int port, double weight, @Nullable String zone) {
      this(host, port, weight, zone, null);
    }

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

  /** One DNS SRV record. */
  static final class SrvRecord {
    final int priority;
    final int weight;
    final int port;
    // The host name (without the trailing dot) or, in tests, an IP literal.
    final String target;

    SrvRecord(int priority, int weight, int port, String target) {
      this.priority = priority;
      this.weight = weight;
      this.port = port;
      this.target = target;
    }

    /**
     * Parses the text form the JNDI DNS provider gives: {@code "priority weight port target."}.
     *
     * @throws IllegalArgumentException if {@code text} is not such a record
     */
    static SrvRecord parse(String text) {
      String[] f = text.trim().split("\\s+", -1);
      if (f.length != 4) {
        throw new IllegalArgumentException("malformed SRV record '" + text + "'");
      }
      int priority;
      int weight;
      int port;
      try {
        priority = Integer.parseInt(f[0]);
        weight = Integer.parseInt(f[1]);
        port = Integer.parseInt(f[2]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("malformed SRV record '" + text + "'", e);
      }
      if (priority < 0 || priority > 65535 || weight < 0 || weight > 65535) {
        throw new IllegalArgumentException("malformed SRV record '" + text + "'");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("malformed SRV record '" + text + "'");
      }
      String target = f[3];
      if (target.length() > 1 && target.endsWith(".")) {
        target = target.substring(0, target.length() - 1);
      }
      return new SrvRecord(priority, weight, port, target);
    }

    /** RFC 2782: a target of "." means "not offered here"; port 0 cannot be dialled either. */
    boolean isUsable() {
      return port > 0 && !target.isEmpty() && !target.equals(".");
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (!(o instanceof SrvRecord)) {
        return false;
      }
      SrvRecord r = (SrvRecord) o;
      return priority == r.priority
          && weight == r.weight
          && port == r.port
          && target.equals(r.target);
    }

    @Override
    public int hashCode() {
      return Objects.hash(priority, weight, port, target);
    }

    @Override
    public String toString() {
      return priority + " " + weight + " " + port + " " + target;
    }
  }

  /** Looks up the SRV records of a name; JNDI's DNS provider but in tests. */
  @FunctionalInterface
  interface SrvLookup {
    /**
     * The name's SRV records, empty if it has none.
     *
     * @throws NamingException if the name does not exist or DNS cannot be reached
     */
    List<SrvRecord> lookup(String name) throws NamingException;
  }

  /** SRV lookups through the JDK's JNDI DNS provider, with the system's DNS servers. */
  static final class JndiSrvLookup implements SrvLookup {
    // A dns:// URL naming the server to ask, or null for the system's DNS servers.
    private final @Nullable String server;

    JndiSrvLookup() {
      this(null);
    }

    /** Asks the DNS server at {@code server} (such as {@code dns://127.0.0.1:5353}). */
    JndiSrvLookup(@Nullable String server) {
      this.server = server;
    }

    @Override
    // JdkObsolete: InitialDirContext takes its environment as a Hashtable. BanJNDI: the danger is
    // lookup() deserializing objects from LDAP/RMI; the factory is fixed to the DNS provider and
    // only getAttributes is called, which gives record text, never objects.
    @SuppressWarnings({"JdkObsolete", "BanJNDI"})
    public List<SrvRecord> lookup(String name) throws NamingException {
      Hashtable<String, String> env = new Hashtable<>();
      env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
      if (server != null) {
        env.put(Context.PROVIDER_URL, server);
      }
      // Bounded: 1 s, then 2 s, 4 s (the provider doubles the timeout on each retry).
      env.put("com.sun.jndi.dns.timeout.initial", "1000");
      env.put("com.sun.jndi.dns.timeout.retries", "3");
      DirContext context = new InitialDirContext(env);
      try {
        javax.naming.directory.Attribute records =
            context.getAttributes(name, new String[] {"SRV"}).get("SRV");
        List<SrvRecord> out = new ArrayList<>();
        if (records == null) {
          return out;
        }
        NamingEnumeration<?> values = records.getAll();
        try {
          while (values.hasMore()) {
            try {
              out.add(SrvRecord.parse(String.valueOf(values.next())));
            } catch (IllegalArgumentException e) {
              NamingException ne = new NamingException(e.getMessage());
              ne.setRootCause(e);
              throw ne;
            }
          }
        } finally {
          values.close();
        }
        return out;
      } finally {
        context.close();
      }
    }
  }

  /** Looks up every address of a host name; {@link InetAddress#getAllByName} but in tests. */
  @FunctionalInterface
  interface HostLookup {
    InetAddress[] lookup(String host) throws UnknownHostException;
  }

  /** The service-loaded provider of the {@code lbkit} scheme. */
  public static final class Provider extends NameResolverProvider {
    private final HostLookup lookup;
    private final SrvLookup srvLookup;

    public Provider() {
      this(InetAddress::getAllByName);
    }

    /** A provider that looks host names up with {@code lookup} (a seam for tests). */
    Provider(HostLookup lookup) {
      this(lookup, new JndiSrvLookup());
    }

    /** A provider that looks host names and SRV records up with these (a seam for tests). */
    Provider(HostLookup lookup, SrvLookup srvLookup) {
      this.lookup = requireNonNull(lookup, "lookup");
      this.srvLookup = requireNonNull(srvLookup, "srvLookup");
    }

    @Override
    protected boolean isAvailable() {
      return true;
    }

    /**
     * The lowest priority. gRPC's registry takes the scheme of its highest-priority provider as the
     * default for targets without one ({@code "example.com:443"}), and among equal priorities the
     * first one loaded. At DNS's 5, a class path that lists this jar first would send every such
     * target to this resolver. No other provider serves {@code lbkit:}, so its priority matters for
     * nothing else.
     */
    @Override
    protected int priority() {
      return 0;
    }

    @Override
    public String getDefaultScheme() {
      return SCHEME;
    }

    @Override
    public @Nullable NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
      if (!SCHEME.equalsIgnoreCase(targetUri.getScheme())) {
        return null;
      }
      return new TargetResolver(targetUri.toString(), parse(targetUri), args, lookup, srvLookup);
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
      return ImmutableList.of(InetSocketAddress.class);
    }
  }

  /**
   * Parses a target.
   *
   * @throws IllegalArgumentException naming the malformed part
   */
  static ImmutableList<Entry> parse(URI target) {
    String spec = target.getRawSchemeSpecificPart();
    if (spec == null || spec.isEmpty()) {
      throw bad(target, "no addresses; expected lbkit:///host:port[?weight=w&zone=z],...");
    }
    if (spec.startsWith("//")) {
      String authority = target.getRawAuthority();
      if (authority != null && !authority.isEmpty()) {
        throw bad(target, "an authority ('" + authority + "') is not supported; use lbkit:///");
      }
      spec = spec.substring(2);
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
    return out.build();
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
    double weight = 1;
    String zone = null;
    Duration refresh = null;
    if (q >= 0) {
      for (String param : raw.substring(q + 1).split("&", -1)) {
        int eq = param.indexOf('=');
        if (eq <= 0) {
          throw bad(target, where + ": expected name=value but found '" + param + "'");
        }
        String name = decode(param.substring(0, eq));
        String value = decode(param.substring(eq + 1));
        switch (name.toLowerCase(Locale.ROOT)) {
          case "weight":
            try {
              weight = Double.parseDouble(value);
            } catch (NumberFormatException e) {
              weight = Double.NaN;
            }
            if (!(weight > 0 && Double.isFinite(weight))) {
              throw bad(
                  target, where + ": weight must be a positive number but was '" + value + "'");
            }
            break;
          case "zone":
            zone = zoneParameter(target, where, value);
            break;
          case "refresh":
            refresh = refreshParameter(target, where, value);
            break;
          default:
            throw bad(
                target,
                where + ": unknown parameter '" + name + "'; expected weight, zone or refresh");
        }
      }
    }
    return new Entry(hp.getHost(), hp.getPort(), weight, zone, refresh);
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

  /** The value of an entry's {@code zone} parameter; shared by host and SRV entries. */
  private static String zoneParameter(URI target, String where, String value) {
    if (value.isBlank()) {
      throw bad(target, where + ": zone must not be blank");
    }
    return value;
  }

  /** The value of an entry's {@code refresh} parameter; shared by host and SRV entries. */
  private static Duration refreshParameter(URI target, String where, String value) {
    Duration refresh = parseInterval(value);
    if (refresh == null) {
      throw bad(
          target,
          where
              + ": refresh must be a positive duration such as 30s, 500ms, 5m or 1h but was '"
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
    String zone = null;
    Duration refresh = null;
    if (q >= 0) {
      for (String param : raw.substring(q + 1).split("&", -1)) {
        int eq = param.indexOf('=');
        if (eq <= 0) {
          throw bad(target, where + ": expected name=value but found '" + param + "'");
        }
        String key = decode(param.substring(0, eq));
        String value = decode(param.substring(eq + 1));
        switch (key.toLowerCase(Locale.ROOT)) {
          case "zone":
            zone = zoneParameter(target, where, value);
            break;
          case "refresh":
            refresh = refreshParameter(target, where, value);
            break;
          case "weight":
            throw bad(
                target,
                where + ": an SRV entry takes no weight (weights come from the SRV records)");
          default:
            throw bad(
                target,
                where
                    + ": unknown parameter '"
                    + key
                    + "' on an SRV entry; expected zone or refresh");
        }
      }
    }
    String bare = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    return Entry.srv(bare, zone, refresh);
  }

  /** A positive interval such as 30s, 0.5s, 500ms, 5m or 1h, or null if malformed. */
  private static @Nullable Duration parseInterval(String value) {
    Matcher m = INTERVAL.matcher(value);
    if (!m.matches()) {
      return null;
    }
    BigDecimal amount = new BigDecimal(m.group(1));
    long nanosPerUnit;
    switch (m.group(2)) {
      case "ms":
        nanosPerUnit = 1_000_000L;
        break;
      case "s":
        nanosPerUnit = 1_000_000_000L;
        break;
      case "m":
        nanosPerUnit = 60_000_000_000L;
        break;
      default: // "h"
        nanosPerUnit = 3_600_000_000_000L;
        break;
    }
    BigDecimal nanos = amount.multiply(BigDecimal.valueOf(nanosPerUnit));
    // At least a millisecond, at most a day: beyond that a value is a typo, not a choice.
    if (nanos.compareTo(BigDecimal.valueOf(1_000_000L)) < 0
        || nanos.compareTo(BigDecimal.valueOf(86_400_000_000_000L)) > 0) {
      return null;
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** The target's re-resolution interval: its {@code refresh} parameter, or 30 seconds. */
  static Duration refreshInterval(List<Entry> entries) {
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

  /**
   * Resolves a target's entries: IP literals as they are, host names by lookup, off the channel's
   * threads, again every refresh interval and on {@link #refresh()}.
   *
   * <p>Every field is confined to the channel's synchronization context except the lookup cache,
   * which only the single in-flight lookup task touches (tasks never overlap: a new one starts only
   * after the previous one has handed its result back to the synchronization context).
   */
  static final class TargetResolver extends NameResolver {
    private final String target;
    private final ImmutableList<Entry> entries;
    private final HostLookup lookup;
    private final SrvLookup srvLookup;
    private final SynchronizationContext syncContext;
    private final Executor offload;
    private final @Nullable ScheduledExecutorService timer;
    private final ChannelLogger logger;
    private final long refreshNanos;
    private final boolean literalsOnly;
    // The last good addresses of each host name, kept when a later lookup fails.
    private final Map<String, ImmutableList<InetAddress>> lastGood = new HashMap<>();
    // The last non-empty SRV records of each SRV name, kept when a later lookup fails.
    private final Map<String, ImmutableList<SrvRecord>> lastGoodSrv = new HashMap<>();

    private @Nullable Listener2 listener;
    private @Nullable List<EquivalentAddressGroup> published;
    private SynchronizationContext.@Nullable ScheduledHandle nextRefresh;
    private boolean resolving;
    private boolean shutdown;

    TargetResolver(
        String target,
        ImmutableList<Entry> entries,
        NameResolver.Args args,
        HostLookup lookup,
        SrvLookup srvLookup) {
      this.target = target;
      this.entries = entries;
      this.lookup = lookup;
      this.srvLookup = srvLookup;
      this.syncContext = requireNonNull(args.getSynchronizationContext(), "syncContext");
      Executor exec = args.getOffloadExecutor();
      this.offload = exec != null ? exec : FALLBACK_LOOKUPS;
      ScheduledExecutorService scheduler;
      try {
        scheduler = args.getScheduledExecutorService();
      } catch (IllegalStateException e) {
        scheduler = null; // args built without one: no periodic refresh, refresh() still works
      }
      this.timer = scheduler;
      this.logger = args.getChannelLogger();
      this.refreshNanos = refreshInterval(entries).toNanos();
      boolean literals = true;
      for (Entry e : entries) {
        literals &= e.isLiteral();
      }
      this.literalsOnly = literals;
    }

    @Override
    public String getServiceAuthority() {
      // One authority for the whole list: the first entry, as a DNS target would have one name.
      Entry first = entries.get(0);
      if (first.srv) {
        return first.host; // the service's name: what a client of an SRV-named service dials
      }
      return HostAndPort.fromParts(first.host, first.port).toString();
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = requireNonNull(listener, "listener");
      resolve();
    }

    @Override
    public void refresh() {
      if (listener != null && !literalsOnly) {
        resolve();
      }
    }

    private void resolve() {
      if (shutdown || resolving) {
        return; // a lookup under way answers this request too
      }
      if (literalsOnly) {
        deliver(lookUpAll());
        return;
      }
      SynchronizationContext.ScheduledHandle handle = nextRefresh;
      if (handle != null) {
        handle.cancel();
        nextRefresh = null;
      }
      resolving = true;
      try {
        // Host names: the lookup may block, so it runs off the synchronization context.
        offload.execute(
            () -> {
              Result result = lookUpAll();
              syncContext.execute(
                  () -> {
                    resolving = false;
                    deliver(result);
                    scheduleRefresh();
                  });
            });
      } catch (RejectedExecutionException e) {
        resolving = false; // the channel is shutting down
      }
    }

    private void scheduleRefresh() {
      ScheduledExecutorService t = timer;
      if (shutdown || t == null || nextRefresh != null) {
        return;
      }
      try {
        nextRefresh =
            syncContext.schedule(
                () -> {
                  nextRefresh = null;
                  resolve();
                },
                refreshNanos,
                TimeUnit.NANOSECONDS,
                t);
      } catch (RejectedExecutionException e) {
        // The channel is shutting down: no more refreshes.
      }
    }

    /** The outcome of one pass over the entries. */
    private static final class Result {
      final List<EquivalentAddressGroup> groups;
      final List<String> failures;

      Result(List<EquivalentAddressGroup> groups, List<String> failures) {
        this.groups = groups;
        this.failures = failures;
      }
    }

    private Result lookUpAll() {
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      List<String> failures = new ArrayList<>();
      Set<InetSocketAddress> seen = new LinkedHashSet<>();
      for (Entry e : entries) {
        if (e.srv) {
          lookUpSrv(e, groups, failures, seen);
          continue;
        }
        List<InetAddress> addresses;
        if (e.isLiteral()) {
          addresses = ImmutableList.of(InetAddresses.forString(e.host));
        } else {
          try {
            InetAddress[] found = lookup.lookup(e.host);
            if (found.length == 0) {
              throw new UnknownHostException("no address records");
            }
            ImmutableList<InetAddress> list = ImmutableList.copyOf(found);
            lastGood.put(e.host, list);
            addresses = list;
          } catch (UnknownHostException | RuntimeException ex) {
            failures.add("'" + e.host + "' (" + ex + ")");
            // A failed lookup (a DNS hiccup) keeps the host's last addresses.
            addresses = lastGood.getOrDefault(e.host, ImmutableList.of());
          }
        }
        for (InetAddress address : addresses) {
          InetSocketAddress socket = new InetSocketAddress(address, e.port);
          if (!seen.add(socket)) {
            continue; // the same address listed twice: one subchannel
          }
          Attributes.Builder attrs = Attributes.newBuilder().set(LbkitPolicies.WEIGHT, e.weight);
          if (e.zone != null) {
            attrs.set(LbkitPolicies.ZONE, e.zone);
          }
          groups.add(new EquivalentAddressGroup(socket, attrs.build()));
        }
      }
      return new Result(groups, failures);
    }

    /** Adds the addresses of an SRV entry's lowest-priority records to {@code groups}. */
    private void lookUpSrv(
        Entry e,
        List<EquivalentAddressGroup> groups,
        List<String> failures,
        Set<InetSocketAddress> seen) {
      ImmutableList<SrvRecord> records;
      try {
        List<SrvRecord> usable = new ArrayList<>();
        for (SrvRecord r : srvLookup.lookup(e.host)) {
          if (r.isUsable()) {
            usable.add(r);
          }
        }
        if (usable.isEmpty()) {
          throw new NamingException("no SRV records");
        }
        int lowest = Integer.MAX_VALUE;
        for (SrvRecord r : usable) {
          lowest = Math.min(lowest, r.priority);
        }
        ImmutableList.Builder<SrvRecord> group = ImmutableList.builder();
        for (SrvRecord r : usable) {
          if (r.priority == lowest) {
            group.add(r);
          }
        }
        records = group.build();
        lastGoodSrv.put(e.host, records);
      } catch (NamingException | RuntimeException ex) {
        failures.add("SRV '" + e.host + "' (" + ex + ")");
        // A failed lookup (a DNS hiccup) keeps the name's last records; their hosts are still
        // looked up again, so an address change behind a record is not missed.
        records = lastGoodSrv.getOrDefault(e.host, ImmutableList.of());
      }
      for (SrvRecord r : records) {
        List<InetAddress> addresses;
        if (InetAddresses.isInetAddress(r.target)) {
          addresses = ImmutableList.of(InetAddresses.forString(r.target));
        } else {
          try {
            InetAddress[] found = lookup.lookup(r.target);
            if (found.length == 0) {
              throw new UnknownHostException("no address records");
            }
            ImmutableList<InetAddress> list = ImmutableList.copyOf(found);
            lastGood.put(r.target, list);
            addresses = list;
          } catch (UnknownHostException | RuntimeException ex) {
            failures.add("'" + r.target + "' of SRV '" + e.host + "' (" + ex + ")");
            addresses = lastGood.getOrDefault(r.target, ImmutableList.of());
          }
        }
        // A weight of 0 means "rarely" in RFC 2782; here it must still mean "some calls".
        double weight = r.weight == 0 ? 1 : r.weight;
        for (InetAddress address : addresses) {
          InetSocketAddress socket = new InetSocketAddress(address, r.port);
          if (!seen.add(socket)) {
            continue;
          }
          Attributes.Builder attrs = Attributes.newBuilder().set(LbkitPolicies.WEIGHT, weight);
          if (e.zone != null) {
            attrs.set(LbkitPolicies.ZONE, e.zone);
          }
          groups.add(new EquivalentAddressGroup(socket, attrs.build()));
        }
      }
    }

    private void deliver(Result result) {
      Listener2 l = listener;
      if (shutdown || l == null) {
        return;
      }
      if (!result.failures.isEmpty()) {
        logger.log(
            ChannelLogger.ChannelLogLevel.WARNING,
            "lbkit resolver: cannot resolve {0}",
            String.join(", ", result.failures));
      }
      if (result.groups.isEmpty()) {
        published = null;
        l.onError(
            Status.UNAVAILABLE.withDescription(
                "lbkit resolver: no address for "
                    + target
                    + (result.failures.isEmpty()
                        ? ""
                        : "; cannot resolve " + String.join(", ", result.failures))));
        return;
      }
      if (result.groups.equals(published)) {
        return; // nothing changed: the balancer keeps its subchannels undisturbed
      }
      published = result.groups;
      l.onResult(ResolutionResult.newBuilder().setAddresses(result.groups).build());
    }

    @Override
    public void shutdown() {
      shutdown = true;
      SynchronizationContext.ScheduledHandle handle = nextRefresh;
      if (handle != null) {
        handle.cancel();
        nextRefresh = null;
      }
    }
  }
}
