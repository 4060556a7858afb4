package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
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
 * (positive number, 1 by default) and {@code zone} parameters. Hosts are IP literals or names;
 * names are resolved once, off the channel's threads, when the channel starts. A malformed target
 * fails the channel's {@code build()} with an {@link IllegalArgumentException} naming the entry.
 */
final class LbkitNameResolvers {
  static final String SCHEME = "lbkit";

  private LbkitNameResolvers() {}

  /** One parsed entry of a target. */
  static final class Entry {
    final String host;
    final int port;
    final double weight;
    final @Nullable String zone;

    Entry(String host, int port, double weight, @Nullable String zone) {
      this.host = host;
      this.port = port;
      this.weight = weight;
      this.zone = zone;
    }
  }

  /** The service-loaded provider of the {@code lbkit} scheme. */
  public static final class Provider extends NameResolverProvider {
    public Provider() {}

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
      return new StaticResolver(targetUri.toString(), parse(targetUri), args);
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
    for (int i = 0; i < parts.length; i++) {
      out.add(parseEntry(target, i, parts[i]));
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
          default:
            throw bad(
                target, where + ": unknown parameter '" + name + "'; expected weight or zone");
        }
      }
    }
    return new Entry(hp.getHost(), hp.getPort(), weight, zone);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static IllegalArgumentException bad(URI target, String why) {
    return new IllegalArgumentException("invalid lbkit target '" + target + "': " + why);
  }

  /** Resolves the entries once; {@link #refresh()} resolves host names again. */
  static final class StaticResolver extends NameResolver {
    private final String target;
    private final ImmutableList<Entry> entries;
    private final SynchronizationContext syncContext;
    private final @Nullable Executor offload;
    private @Nullable Listener2 listener;
    private boolean shutdown;

    StaticResolver(String target, ImmutableList<Entry> entries, NameResolver.Args args) {
      this.target = target;
      this.entries = entries;
      this.syncContext = requireNonNull(args.getSynchronizationContext(), "syncContext");
      this.offload = args.getOffloadExecutor();
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
      if (listener != null) {
        resolve();
      }
    }

    private void resolve() {
      boolean literalsOnly = true;
      for (Entry e : entries) {
        literalsOnly &= InetAddresses.isInetAddress(e.host);
      }
      Executor exec = offload;
      if (literalsOnly || exec == null) {
        deliver(resolveAll());
      } else {
        // Host names: the lookup may block, so it runs off the synchronization context.
        exec.execute(
            () -> {
              List<EquivalentAddressGroup> groups = resolveAll();
              syncContext.execute(() -> deliver(groups));
            });
      }
    }

    private List<EquivalentAddressGroup> resolveAll() {
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      for (Entry e : entries) {
        InetAddress address;
        try {
          address =
              InetAddresses.isInetAddress(e.host)
                  ? InetAddresses.forString(e.host)
                  : InetAddress.getByName(e.host);
        } catch (UnknownHostException ex) {
          // Skip it: the others still serve; refresh() tries again.
          continue;
        }
        Attributes.Builder attrs = Attributes.newBuilder().set(LbkitPolicies.WEIGHT, e.weight);
        if (e.zone != null) {
          attrs.set(LbkitPolicies.ZONE, e.zone);
        }
        groups.add(
            new EquivalentAddressGroup(new InetSocketAddress(address, e.port), attrs.build()));
      }
      return groups;
    }

    private void deliver(List<EquivalentAddressGroup> groups) {
      Listener2 l = listener;
      if (shutdown || l == null) {
        return;
      }
      if (groups.isEmpty()) {
        l.onError(Status.UNAVAILABLE.withDescription("no host of " + target + " resolved"));
        return;
      }
      l.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }
  }
}
