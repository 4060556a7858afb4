package io.lbkit.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A client-side load balancer: a dynamic list of servers, their health, and a {@link Selector} that
 * picks one server per request.
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancer.builder()
 *     .selector(Selectors.leastResponseTime())
 *     .servers(List.of(Server.of("10.0.0.1", 8080), Server.of("10.0.0.2", 8080)))
 *     .build();
 *
 * try (Pick pick = balancer.pick()) {
 *   Response response = call(pick.server(), request);
 *   pick.complete(response.ok() ? Outcome.SUCCESS : Outcome.FAILURE);
 * }
 * }</pre>
 *
 * <h2>Threading</h2>
 *
 * <p>Every method is thread-safe. {@link #pick()} is lock-free: it reads one immutable snapshot
 * (one volatile read), asks the snapshot's picker, and at most counts the request in flight. Every
 * change of membership or health builds a new snapshot and publishes it with a compare-and-set, so
 * a pick sees either all of a change or none of it, and once a change method has returned, no pick
 * that starts afterwards returns a server it removed or made ineligible. Concurrent changes are
 * applied one after the other (a change that loses the race is rebuilt on the winner's snapshot);
 * changes cost O(n) plus the selector's rebuild, so they belong to membership events, not to
 * requests.
 *
 * <h2>Per-server state</h2>
 *
 * <p>Statistics (in-flight count, latency estimate) and health belong to a server id: replacing a
 * server by one with the same id (a new weight, say) keeps them, and removing it drops them.
 *
 * @since 0.1.0
 */
public final class LoadBalancer {
  private final String name;
  private final Selector selector;
  private final StatsRecorder recorder;

  private static final VarHandle SNAPSHOT;

  static {
    try {
      SNAPSHOT =
          MethodHandles.lookup().findVarHandle(LoadBalancer.class, "snapshot", Snapshot.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // The one mutable field. A pick reads it once (a volatile read: it must see the snapshot that
  // the last completed change published, which is what makes "a removed server is never picked
  // after removeServer returned" hold). Changes replace it with compareAndSet, whose volatile
  // write publishes the fully built, immutable snapshot (and picker) to every later reader.
  private volatile Snapshot snapshot;

  private LoadBalancer(Builder b) {
    this.name = b.name;
    this.selector = requireNonNull(b.selector, "selector");
    this.recorder =
        new StatsRecorder(
            b.ticker,
            selector.usesInFlight(),
            selector.usesLatency(),
            b.inFlightExpiry.toNanos(),
            b.latencyModel);
    ImmutableMap<String, Member> initial = toMembers(b.servers, ImmutableMap.of());
    this.snapshot = Snapshot.of(initial, selector, recorder);
  }

  /** Returns a builder; the only required setting is a selector. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Picks a server for one request. Report the outcome on the returned handle (see {@link Pick}).
   *
   * @throws NoAvailableServerException if no server is eligible, saying why
   */
  public Pick pick() {
    Snapshot s = snapshot;
    Selector.Picker picker = s.picker;
    if (picker == null) {
      throw s.noServer(name);
    }
    StatsRecorder rec = recorder;
    long now = rec.needsTime() ? rec.read() : 0L;
    Endpoint endpoint = picker.pick(now);
    int epoch = 0;
    if (rec.trackInFlight) {
      epoch = rec.epoch(now);
      endpoint.stats.acquire(epoch);
    }
    return new Pick(endpoint, now, epoch);
  }

  /** The name given to the builder, used in messages and logs. */
  public String name() {
    return name;
  }

  /** The selector this balancer uses. */
  public Selector selector() {
    return selector;
  }

  /** Every server of this balancer, eligible or not, in the order they were added. */
  public ImmutableList<Server> servers() {
    ImmutableList.Builder<Server> out = ImmutableList.builder();
    for (Member m : snapshot.members.values()) {
      out.add(m.server);
    }
    return out.build();
  }

  /** The servers that may be picked right now, as endpoints with their live statistics. */
  public ImmutableList<Endpoint> eligibleEndpoints() {
    return snapshot.eligible;
  }

  /** The server with this id, if it is in the balancer. */
  public Optional<Server> server(String id) {
    Member m = snapshot.members.get(requireNonNull(id, "id"));
    return m == null ? Optional.empty() : Optional.of(m.server);
  }

  /** The health of the server with this id, if it is in the balancer. */
  public Optional<HealthState> health(String id) {
    Member m = snapshot.members.get(requireNonNull(id, "id"));
    return m == null ? Optional.empty() : Optional.of(m.health);
  }

  /**
   * Replaces the whole server list, as a service-discovery update would. Servers whose id is
   * already present keep their statistics and health (and take the new weight, zone and metadata);
   * new ids start healthy; ids not in the list are removed.
   *
   * @throws IllegalArgumentException if the list is empty (use {@link #clear()}) or has two servers
   *     with the same id; the balancer is left unchanged
   */
  public void setServers(Collection<Server> servers) {
    requireNonNull(servers, "servers");
    checkArgument(
        !servers.isEmpty(),
        "server list for %s is empty; call clear() to remove every server",
        name);
    List<Server> copy = new ArrayList<>(servers);
    update(old -> toMembers(copy, old));
  }

  /**
   * Adds a healthy server.
   *
   * @throws IllegalArgumentException if a server with the same id is already present
   */
  public void addServer(Server server) {
    requireNonNull(server, "server");
    update(
        old -> {
          Member existing = old.get(server.id());
          if (existing != null) {
            throw new IllegalArgumentException(
                "duplicate server id '"
                    + server.id()
                    + "': "
                    + name
                    + " already has "
                    + existing.server);
          }
          return ImmutableMap.<String, Member>builder()
              .putAll(old)
              .put(server.id(), new Member(server, new ServerStats(), HealthState.HEALTHY))
              .buildOrThrow();
        });
  }

  /**
   * Replaces the server that has the same id (to change its weight, zone or metadata), keeping its
   * statistics and health.
   *
   * @throws IllegalArgumentException if no server has that id
   */
  public void updateServer(Server server) {
    requireNonNull(server, "server");
    update(old -> replace(old, server.id(), m -> m.withServer(server)));
  }

  /**
   * Removes the server with this id; picks that start after this returns never choose it.
   *
   * @return whether the server was present
   */
  @CanIgnoreReturnValue
  public boolean removeServer(String id) {
    requireNonNull(id, "id");
    boolean[] removed = new boolean[1];
    update(
        old -> {
          removed[0] = old.containsKey(id);
          if (!removed[0]) {
            return old;
          }
          LinkedHashMap<String, Member> copy = new LinkedHashMap<>(old);
          copy.remove(id);
          return ImmutableMap.copyOf(copy);
        });
    return removed[0];
  }

  /** Removes every server. */
  public void clear() {
    update(old -> ImmutableMap.of());
  }

  /**
   * Sets the health of the server with this id. Picks that start after this returns respect it.
   *
   * @throws IllegalArgumentException if no server has that id
   */
  public void setHealth(String id, HealthState health) {
    requireNonNull(id, "id");
    requireNonNull(health, "health");
    update(old -> replace(old, id, m -> m.health == health ? m : m.withHealth(health)));
  }

  /**
   * Stops new picks of the server with this id while its in-flight requests complete; same as
   * {@code setHealth(id, HealthState.DRAINING)}.
   *
   * @throws IllegalArgumentException if no server has that id
   */
  public void drain(String id) {
    setHealth(id, HealthState.DRAINING);
  }

  @Override
  public String toString() {
    Snapshot s = snapshot;
    return "LoadBalancer{"
        + name
        + ", "
        + selector.name()
        + ", "
        + s.eligible.size()
        + "/"
        + s.members.size()
        + " eligible}";
  }

  /**
   * Applies a change to the membership: builds the snapshot for it and publishes it with a CAS,
   * rebuilding on the winner's state if another change got in first. A change that throws leaves
   * the balancer as it was.
   */
  @SuppressWarnings("ReferenceEquality") // a change returns the same map to say "nothing to do"
  private void update(UnaryOperator<ImmutableMap<String, Member>> change) {
    for (; ; ) {
      Snapshot current = snapshot;
      ImmutableMap<String, Member> next = change.apply(current.members);
      if (next == current.members) {
        return;
      }
      Snapshot built = Snapshot.of(next, selector, recorder);
      if (SNAPSHOT.compareAndSet(this, current, built)) {
        return;
      }
    }
  }

  private ImmutableMap<String, Member> replace(
      ImmutableMap<String, Member> old, String id, UnaryOperator<Member> change) {
    Member m = old.get(id);
    checkArgument(m != null, "unknown server id '%s' in %s", id, name);
    Member changed = change.apply(m);
    if (changed == m) {
      return old;
    }
    LinkedHashMap<String, Member> copy = new LinkedHashMap<>(old);
    copy.put(id, changed);
    return ImmutableMap.copyOf(copy);
  }

  private ImmutableMap<String, Member> toMembers(
      Collection<Server> servers, ImmutableMap<String, Member> old) {
    Map<String, Member> out = new LinkedHashMap<>();
    for (Server server : servers) {
      requireNonNull(server, "server list contains null");
      Member previous = old.get(server.id());
      Member m =
          previous == null
              ? new Member(server, new ServerStats(), HealthState.HEALTHY)
              : previous.withServer(server);
      Member clash = out.put(server.id(), m);
      checkArgument(
          clash == null,
          "duplicate server id '%s' in the server list for %s: %s and %s",
          server.id(),
          name,
          clash == null ? "" : clash.server,
          server);
    }
    return ImmutableMap.copyOf(out);
  }

  /**
   * Builds a {@link LoadBalancer}. Each setting may be set once; {@link #build()} leaves the
   * builder unchanged.
   */
  public static final class Builder {
    private String name = "lbkit";
    private @Nullable Selector selector;
    private List<Server> servers = List.of();
    private Ticker ticker = Ticker.systemTicker();
    private Duration inFlightExpiry = Duration.ofMinutes(5);
    private LatencyModel latencyModel = LatencyModel.DEFAULT;
    private boolean serversSet;

    private Builder() {}

    /** A name for messages and logs, such as the logical service name. */
    @CanIgnoreReturnValue
    public Builder name(String name) {
      requireNonNull(name, "name");
      checkArgument(!name.isBlank(), "name must not be blank but was '%s'", name);
      this.name = name;
      return this;
    }

    /** The algorithm; required. Give each balancer its own selector instance. */
    @CanIgnoreReturnValue
    public Builder selector(Selector selector) {
      checkState(this.selector == null, "selector was already set to %s", this.selector);
      this.selector = requireNonNull(selector, "selector");
      return this;
    }

    /**
     * The initial servers. Leave unset to start empty (picks then fail until servers are added).
     *
     * @throws IllegalArgumentException if the list is empty or holds two servers with one id
     */
    @CanIgnoreReturnValue
    public Builder servers(Collection<Server> servers) {
      checkState(!serversSet, "servers were already set");
      requireNonNull(servers, "servers");
      checkArgument(!servers.isEmpty(), "server list is empty; leave servers unset to start empty");
      List<Server> copy = new ArrayList<>(servers.size());
      Set<String> ids = new HashSet<>();
      for (Server s : servers) {
        requireNonNull(s, "server list contains null");
        checkArgument(ids.add(s.id()), "duplicate server id '%s' in the server list", s.id());
        copy.add(s);
      }
      this.servers = copy;
      this.serversSet = true;
      return this;
    }

    /** The initial servers. */
    @CanIgnoreReturnValue
    public Builder servers(Server... servers) {
      return servers(List.of(servers));
    }

    /**
     * The time source for latency and in-flight expiry; {@link Ticker#systemTicker()} by default.
     * Tests inject a fake ticker to make time-based behaviour deterministic.
     */
    @CanIgnoreReturnValue
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * How long a pick that is never completed may count towards its server's in-flight load: it
     * stops counting after at most twice this long (and a request legitimately running longer than
     * this may stop counting early). Five minutes by default.
     *
     * @throws IllegalArgumentException if not positive
     */
    @CanIgnoreReturnValue
    public Builder inFlightExpiry(Duration expiry) {
      requireNonNull(expiry, "expiry");
      checkArgument(
          !expiry.isNegative() && !expiry.isZero() && expiry.toMillis() >= 1,
          "in-flight expiry must be at least 1 ms but was %s",
          expiry);
      this.inFlightExpiry = expiry;
      return this;
    }

    /**
     * The latency model behind {@link Endpoint#latencyEstimateNanos()}: the peak-EWMA decay time
     * (10 s by default, as in Finagle and Linkerd), the factor by which a failure raises the
     * estimate (2 by default) and the least latency a failure counts as (10 ms by default), so that
     * a server failing fast does not look fast.
     *
     * @throws IllegalArgumentException naming the value if decay is not positive, the factor is
     *     below 1 or not finite, or the floor is negative
     */
    @CanIgnoreReturnValue
    public Builder latencyModel(Duration decay, double failureFactor, Duration failureFloor) {
      this.latencyModel =
          new LatencyModel(
              requireNonNull(decay, "decay"),
              failureFactor,
              requireNonNull(failureFloor, "failureFloor"));
      return this;
    }

    /**
     * Returns the balancer.
     *
     * @throws IllegalStateException if no selector was set
     */
    public LoadBalancer build() {
      checkState(selector != null, "a selector is required: call selector(Selectors...)");
      return new LoadBalancer(this);
    }
  }
}
