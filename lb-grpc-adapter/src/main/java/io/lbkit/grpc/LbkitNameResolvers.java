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
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.lbkit.core.DnsServerSource;
import io.lbkit.core.Server;
import io.lbkit.core.ServerSource;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The {@code lbkit:} name resolver: addresses with weights and zones in the target, and host names
 * and SRV names kept current by lbkit's DNS discovery ({@link DnsServerSource}); registered in
 * {@code META-INF/services/io.grpc.NameResolverProvider}.
 *
 * <pre>
 * lbkit:///10.0.0.1:8080?weight=2&amp;zone=a,10.0.0.2:8080,%5B::1%5D:8080?zone=b,backend.local:9000
 * lbkit:///srv:_grpc._tcp.inventory.internal?zone=a&amp;refresh=10s
 * lbkit://10.0.0.53/srv:_grpc._tcp.inventory.internal
 * </pre>
 *
 * <p>Entries are separated by commas; each is {@code host:port} with optional {@code weight}
 * (positive number, 1 by default) and {@code zone} parameters. Hosts are IP literals or names. An
 * IPv6 literal takes brackets, percent-encoded ({@code %5B::1%5D:8080}): gRPC's channel builder
 * refuses raw brackets in a target's path. Each entry names a distinct address (a repeated entry
 * fails the target); where two entries yield the same address, the first entry's weight and zone
 * apply. A malformed target fails the channel's {@code build()} with an {@link
 * IllegalArgumentException} naming the entry.
 *
 * <p>Each host name is a {@link DnsServerSource#forHost} source: one address per A and AAAA record,
 * with the entry's weight and zone. An entry {@code srv:NAME} (optionally with {@code zone}) is a
 * {@link DnsServerSource#forSrv} source: RFC 2782's records of the lowest priority value, each
 * target host one address per A/AAAA record, on the record's port, with the record's weight (0
 * counts as 1); it takes no port and no {@code weight}. {@code srv:} followed by digits only is
 * still a host named {@code srv} with a port. Names are looked up when the channel starts, again
 * every {@code refresh} interval (a target-wide parameter that may appear on one entry, from 10 ms
 * to 24 h; 30 seconds by default), with backoff after failures, and whenever the balancer asks (a
 * connection failed). The look-ups run on the channel's offload executor, timed by its timer; no
 * thread of the resolver's own is started. An authority names the DNS server to ask, {@code ip} or
 * {@code ip:port}, as in gRPC's {@code dns://8.8.8.8/host:port}; without one, host names are looked
 * up like {@link java.net.InetAddress#getAllByName} (hosts file included) and SRV names with the
 * system's DNS servers.
 *
 * <p>The channel hears of the merged list of every entry once each name has been looked up once,
 * and again whenever it changes (an unchanged list is not published again). A name whose look-up
 * fails keeps its last good addresses, as gRPC's own DNS resolver does; only when no entry has any
 * address does the channel get {@code UNAVAILABLE}, naming each name that failed and why.
 */
final class LbkitNameResolvers {
  static final String SCHEME = "lbkit";

  private LbkitNameResolvers() {}

  /** The service-loaded provider of the {@code lbkit} scheme. */
  public static final class Provider extends NameResolverProvider {
    /** The provider that the service loader creates. */
    public Provider() {}

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
      return new TargetResolver(targetUri.toString(), LbkitTarget.parse(targetUri), args);
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
      return ImmutableList.of(InetSocketAddress.class);
    }
  }

  /**
   * Resolves one target: IP literals as they are, each name through its started DNS source.
   *
   * <p>Every field is confined to the channel's synchronization context: the sources deliver from
   * the offload executor, and each delivery is handed to the synchronization context before it
   * touches anything.
   */
  static final class TargetResolver extends NameResolver {
    private final String target;
    private final LbkitTarget parsed;
    private final SynchronizationContext syncContext;
    private final @Nullable Executor offload;
    private final @Nullable ScheduledExecutorService timer;
    private final ChannelLogger logger;
    // One per name, in the target's order.
    private final ImmutableList<Slot> slots;

    private @Nullable Listener2 listener;
    private @Nullable List<EquivalentAddressGroup> published;
    private boolean shutdown;

    TargetResolver(String target, LbkitTarget parsed, NameResolver.Args args) {
      this.target = target;
      this.parsed = parsed;
      this.syncContext = requireNonNull(args.getSynchronizationContext(), "syncContext");
      this.offload = args.getOffloadExecutor();
      ScheduledExecutorService scheduler;
      try {
        scheduler = args.getScheduledExecutorService();
      } catch (IllegalStateException e) {
        scheduler = null; // args built without one: the sources run on threads of their own
      }
      this.timer = scheduler;
      this.logger = args.getChannelLogger();
      ImmutableList.Builder<Slot> b = ImmutableList.builder();
      for (DnsServerSource source : parsed.sources()) {
        b.add(new Slot(source));
      }
      this.slots = b.build();
    }

    @Override
    public String getServiceAuthority() {
      // One authority for the whole list: the first entry, as a DNS target would have one name.
      LbkitTarget.Entry first = parsed.entries().get(0);
      if (first.srv) {
        return first.host; // the service's name: what a client of an SRV-named service dials
      }
      return HostAndPort.fromParts(first.host, first.port).toString();
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = requireNonNull(listener, "listener");
      if (slots.isEmpty()) {
        publish(); // IP literals only: resolved once
        return;
      }
      for (Slot slot : slots) {
        slot.start();
      }
    }

    @Override
    public void refresh() {
      for (Slot slot : slots) {
        ServerSource.Registration r = slot.registration;
        if (r != null) {
          r.refresh(); // a poll under way answers it, or one starts now
        }
      }
    }

    @Override
    public void shutdown() {
      shutdown = true;
      for (Slot slot : slots) {
        ServerSource.Registration r = slot.registration;
        slot.registration = null;
        if (r != null) {
          r.close();
        }
      }
    }

    /** Publishes the merged list of every entry once each name has answered at least once. */
    private void publish() {
      Listener2 l = listener;
      if (shutdown || l == null) {
        return;
      }
      List<String> failures = new ArrayList<>();
      Throwable cause = null;
      for (Slot slot : slots) {
        if (!slot.answered) {
          return; // the first list waits for every name
        }
        Throwable error = slot.error;
        if (error != null) {
          failures.add("'" + slot.source.name() + "' (" + error + ")");
          cause = cause == null ? error : cause;
        }
      }
      List<EquivalentAddressGroup> groups = merge();
      if (groups.isEmpty()) {
        published = null;
        l.onError(
            Status.UNAVAILABLE
                .withDescription(
                    "lbkit resolver: no address for "
                        + target
                        + (failures.isEmpty()
                            ? ""
                            : "; cannot resolve " + String.join(", ", failures)))
                .withCause(cause));
        return;
      }
      if (groups.equals(published)) {
        return; // nothing changed: the balancer keeps its subchannels undisturbed
      }
      published = groups;
      // The addresses as a StatusOr: gRPC's current form (the plain list setter is deprecated). The
      // empty list above still goes through onError, which every gRPC version handles alike.
      l.onResult(
          ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
    }

    /** Every entry's addresses in the target's order, each address once (the first entry's). */
    private List<EquivalentAddressGroup> merge() {
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      Set<InetSocketAddress> seen = new LinkedHashSet<>();
      int next = 0;
      for (LbkitTarget.Entry e : parsed.entries()) {
        if (e.isLiteral()) {
          add(groups, seen, InetAddresses.forString(e.host), e.port, e.weight, e.zone);
          continue;
        }
        for (Server s : slots.get(next++).servers) {
          add(
              groups,
              seen,
              InetAddresses.forString(s.host()),
              s.port(),
              s.weight(),
              s.zone().orElse(null));
        }
      }
      return groups;
    }

    private static void add(
        List<EquivalentAddressGroup> groups,
        Set<InetSocketAddress> seen,
        InetAddress address,
        int port,
        double weight,
        @Nullable String zone) {
      InetSocketAddress socket = new InetSocketAddress(address, port);
      if (!seen.add(socket)) {
        return; // the same address twice: one subchannel
      }
      Attributes.Builder attrs = Attributes.newBuilder().set(LbkitPolicies.WEIGHT, weight);
      if (zone != null) {
        attrs.set(LbkitPolicies.ZONE, zone);
      }
      groups.add(new EquivalentAddressGroup(socket, attrs.build()));
    }

    /** One name of the target: its source, its registration and what it last said. */
    private final class Slot implements ServerSource.Listener {
      final DnsServerSource source;
      ServerSource.@Nullable Registration registration;
      // The last good list: kept when a later look-up fails.
      List<Server> servers = List.of();
      @Nullable Throwable error;
      boolean answered;

      Slot(DnsServerSource source) {
        this.source = source;
      }

      void start() {
        Executor o = offload;
        ScheduledExecutorService t = timer;
        // The channel's timer and offload executor when it has both (gRPC's channels do): the
        // look-ups block, so they run on the offload executor, never on the timer or here.
        registration = o != null && t != null ? source.start(this, t, o) : source.start(this);
      }

      // Called by the source on the offload executor: hand over to the synchronization context.
      @Override
      public void onServers(List<Server> found) {
        syncContext.execute(
            () -> {
              if (found.isEmpty()) {
                failed(new IllegalStateException("no servers found"));
                return;
              }
              servers = found;
              error = null;
              answered = true;
              publish();
            });
      }

      @Override
      public void onError(Throwable failure) {
        syncContext.execute(() -> failed(failure));
      }

      private void failed(Throwable failure) {
        if (shutdown) {
          return;
        }
        error = failure;
        answered = true;
        logger.log(
            ChannelLogger.ChannelLogLevel.WARNING,
            "lbkit resolver: cannot resolve {0} ({1}); {2}",
            source.name(),
            failure,
            servers.isEmpty() ? "it has no addresses" : "its last addresses stand");
        publish();
      }
    }
  }
}
