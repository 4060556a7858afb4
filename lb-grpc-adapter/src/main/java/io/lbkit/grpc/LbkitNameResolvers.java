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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code lbkit:} name resolver: a static list of addresses with weights and zones in the
 * target, registered in {@code META-INF/services/io.grpc.NameResolverProvider}.
 *
 * <pre>
 * lbkit:///10.0.0.1:8080?weight=2&amp;zone=a,10.0.0.2:8080,[::1]:8080?zone=b,backend.local:9000
 * </pre>
 *
 * <p>Entries are separated by commas; each is {@code host:port} with optional {@code weight}
 * (positive number, 1 by default) and {@code zone} parameters. Hosts are IP literals or names. A
 * name becomes one address per DNS record ({@link InetAddress#getAllByName}: A and AAAA), each with
 * the entry's weight and zone; names are looked up off the channel's threads when the channel
 * starts, again every {@code refresh} interval (a target-wide parameter that may appear on one
 * entry, such as {@code lbkit:///inventory.internal:8080?refresh=10s}; 30 seconds by default) and
 * whenever the balancer asks (a connection failed). A result equal to the last one is not
 * published. A name that cannot be looked up keeps its last addresses; when no entry has any, the
 * channel gets {@code UNAVAILABLE} naming the hosts. Targets of IP literals only are resolved once.
 * A malformed target fails the channel's {@code build()} with an {@link IllegalArgumentException}
 * naming the entry.
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

    Entry(String host, int port, double weight, @Nullable String zone) {
      this(host, port, weight, zone, null);
    }

    Entry(String host, int port, double weight, @Nullable String zone, @Nullable Duration refresh) {
      this.host = host;
      this.port = port;
      this.weight = weight;
      this.zone = zone;
      this.refresh = refresh;
    }

    boolean isLiteral() {
      return InetAddresses.isInetAddress(host);
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

    public Provider() {
      this(InetAddress::getAllByName);
    }

    /** A provider that looks host names up with {@code lookup} (a seam for tests). */
    Provider(HostLookup lookup) {
      this.lookup = requireNonNull(lookup, "lookup");
    }

    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
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
      return new TargetResolver(targetUri.toString(), parse(targetUri), args, lookup);
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
    for (int i = 0; i < parts.length; i++) {
      Entry e = parseEntry(target, i, parts[i]);
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
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(hostPort);
    } catch (IllegalArgumentException e) {
      throw bad(target, where + ": malformed host:port (" + e.getMessage() + ")");
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
            if (value.isBlank()) {
              throw bad(target, where + ": zone must not be blank");
            }
            zone = value;
            break;
          case "refresh":
            refresh = parseInterval(value);
            if (refresh == null) {
              throw bad(
                  target,
                  where
                      + ": refresh must be a positive duration such as 30s, 500ms, 5m or 1h but"
                      + " was '"
                      + value
                      + "'");
            }
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
    private final SynchronizationContext syncContext;
    private final Executor offload;
    private final @Nullable ScheduledExecutorService timer;
    private final ChannelLogger logger;
    private final long refreshNanos;
    private final boolean literalsOnly;
    // The last good addresses of each host name, kept when a later lookup fails.
    private final Map<String, ImmutableList<InetAddress>> lastGood = new HashMap<>();

    private @Nullable Listener2 listener;
    private @Nullable List<EquivalentAddressGroup> published;
    private SynchronizationContext.@Nullable ScheduledHandle nextRefresh;
    private boolean resolving;
    private boolean shutdown;

    TargetResolver(
        String target, ImmutableList<Entry> entries, NameResolver.Args args, HostLookup lookup) {
      this.target = target;
      this.entries = entries;
      this.lookup = lookup;
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
