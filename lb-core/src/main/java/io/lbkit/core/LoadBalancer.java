package io.lbkit.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>With health checking, outlier detection and slow start:
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancer.builder()
 *     .selector(Selectors.leastResponseTime())
 *     .servers(servers)
 *     .healthCheck(ActiveHealthCheck.builder(HealthCheckers.http("/health")).build())
 *     .outlierDetection(OutlierDetection.defaults())
 *     .slowStart(SlowStart.of(Duration.ofSeconds(30)))
 *     .build();
 * ...
 * balancer.close(); // stops health checks and the scheduler
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
 * <h2>Health</h2>
 *
 * <p>A server is picked when it is eligible ({@link HealthState#isEligible()}): the application has
 * not marked it unhealthy or draining, {@linkplain LoadBalancerBuilder#healthCheck active health
 * checks} pass, {@linkplain LoadBalancerBuilder#outlierDetection outlier detection} has not ejected
 * it. A server that is new or back from ejection ramps its weight up under {@linkplain
 * LoadBalancerBuilder#slowStart slow start}. When too few servers are eligible the balancer enters
 * {@linkplain LoadBalancerBuilder#panicThreshold panic mode}. Every transition is logged once
 * (SLF4J, logger {@code io.lbkit.core.LoadBalancer}) and reported to the {@linkplain
 * LoadBalancerBuilder#listener listeners}; {@link #status()} shows each server's causes. Time-based
 * transitions (the end of an ejection, the slow-start ramp, drained removals, the outlier rate
 * rules) run on a scheduler, never on the pick path; {@link #close()} stops it and the health
 * checks.
 *
 * @since 0.1.0
 */
public final class LoadBalancer implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(LoadBalancer.class);

  private static final VarHandle SNAPSHOT;

  static {
    try {
      SNAPSHOT =
          MethodHandles.lookup().findVarHandle(LoadBalancer.class, "snapshot", Snapshot.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The longest pause between two maintenance runs. */
  private static final long MAX_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String name;
  private final RandomGenerator random;
  private final Selector selector;

  // The selector with this balancer's own state for it (and the in-flight total it may read).
  private final BoundSelector bound;
  private final Accounting accounting;
  private final @Nullable OutlierDetection outlier;
  private final @Nullable SlowStart slowStart;
  private final @Nullable ActiveHealthCheck healthCheck;
  private final double panicThreshold;
  private final ImmutableList<HealthListener> listeners;
  private final ImmutableList<SnapshotListener> snapshotListeners;
  private final long tickNanos;
  private final int windowSlots;

  private final @Nullable ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final @Nullable Maintenance maintenance;
  private volatile boolean closed;

  // Maintenance runs one at a time (the scheduler's task, or a test calling it): a run that finds
  // another in progress skips, since the other will do the same work.
  private final AtomicBoolean maintaining = new AtomicBoolean();
  private long nextWindowRotation;
  private long nextEjectionDecay;

  private final @Nullable HealthCheckChains healthChecks;

  // The one mutable field that picks read. A pick reads it once (a volatile read: it must see the
  // snapshot that the last completed change published, which is what makes "a removed server is
  // never picked after removeServer returned" hold). Changes replace it with compareAndSet, whose
  // volatile write publishes the fully built, immutable snapshot (and picker) to every later
  // reader.
  private volatile Snapshot snapshot;

  LoadBalancer(LoadBalancerBuilder b) {
    this.name = b.name;
    this.selector = requireNonNull(b.selector, "selector");
    this.random = b.random;
    this.outlier = b.outlierDetection;
    this.slowStart = b.slowStart;
    this.healthCheck = b.healthCheck;
    this.panicThreshold = b.panicThreshold;
    this.listeners = ImmutableList.copyOf(b.listeners);
    this.snapshotListeners = ImmutableList.copyOf(b.snapshotListeners);
    boolean healthFeatures = outlier != null || slowStart != null || healthCheck != null;
    this.accounting =
        new Accounting(
            b.ticker,
            selector.usesInFlight() || healthFeatures,
            selector.usesLatency(),
            b.inFlightExpiry.toNanos(),
            b.latencyModel,
            outlier == null ? null : this::onOutcome);
    this.bound = new BoundSelector(selector, random, accounting.trackInFlight);
    this.tickNanos = tickNanos(outlier, slowStart);
    this.windowSlots = 4;
    long now = accounting.read();
    ImmutableMap<String, Member> initial = toMembers(b.servers, ImmutableMap.of(), now, false);
    this.snapshot = Snapshot.of(initial, bound, accounting, slowStart, panicThreshold, now);
    this.nextWindowRotation = outlier == null ? Long.MAX_VALUE : now + outlier.intervalNanos / 4;
    this.nextEjectionDecay = outlier == null ? Long.MAX_VALUE : now + outlier.intervalNanos;

    ScheduledExecutorService s = b.scheduler;
    this.ownsScheduler = s == null && healthFeatures;
    if (ownsScheduler) {
      AtomicInteger threads = new AtomicInteger();
      // A local, not the field: the thread factory lives as long as the thread, and must not
      // capture this balancer (see Maintenance).
      String threadPrefix = "lbkit-" + name + "-";
      s =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, threadPrefix + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
    }
    this.scheduler = s;
    if (s != null && healthFeatures) {
      Maintenance task = new Maintenance(this, s, ownsScheduler);
      task.periodic = s.scheduleWithFixedDelay(task, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
      this.maintenance = task;
    } else {
      this.maintenance = null;
    }
    ActiveHealthCheck hc = healthCheck;
    this.healthChecks = hc != null && s != null ? new HealthCheckChains(this, hc, s, random) : null;
    startHealthChecks(snapshot);
    published(snapshot);
  }

  private void startHealthChecks(Snapshot s) {
    HealthCheckChains chains = healthChecks;
    if (chains != null) {
      chains.start(s);
    }
  }

  private static long tickNanos(@Nullable OutlierDetection outlier, @Nullable SlowStart slow) {
    long tick = MAX_TICK_NANOS;
    if (outlier != null) {
      tick = Math.min(tick, outlier.intervalNanos / 4);
    }
    if (slow != null) {
      tick = Math.min(tick, slow.windowNanos() / 20);
    }
    return Math.max(tick, TimeUnit.MILLISECONDS.toNanos(10));
  }

  /** Returns a builder; the only required setting is a selector. */
  public static LoadBalancerBuilder builder() {
    return new LoadBalancerBuilder();
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
    Accounting rec = accounting;
    long now = rec.pickTime();
    return handle(picker.pick(now), now);
  }

  /**
   * Picks a server for a request with this context (a hash key, the client's address, attributes),
   * for selectors that route by request; others ignore the key and attributes.
   *
   * <p>A context that {@linkplain PickContext.Builder#exclude excludes servers} (a retry) never
   * gets one of them, and its pick does not go through the selector's picker, so it cannot move
   * state that first attempts follow (a round-robin rotation). It chooses among the servers the
   * request may go to (its subset, if the selector routes by subsets) that are not excluded: by
   * weighted rendezvous hashing of the context's hash key if it has one, so that retries of one key
   * agree; otherwise the less loaded of two random candidates when the balancer counts in-flight
   * requests; otherwise a weighted random one. That costs O(n) in the servers, once per retry.
   *
   * @throws NoAvailableServerException if no server is eligible, or the context excludes every
   *     server the request may go to, saying why
   */
  public Pick pick(PickContext context) {
    requireNonNull(context, "context");
    Snapshot s = snapshot;
    Selector.Picker picker = s.picker;
    if (picker == null) {
      throw s.noServer(name);
    }
    Accounting rec = accounting;
    long now = rec.pickTime();
    if (context.hasExclusions()) {
      return handle(s.pickExcluding(picker, context, now, rec, random, name), now);
    }
    return handle(picker.pick(context, now), now);
  }

  /**
   * Picks exactly the server with this id, if picks may choose it now (it is in the balancer and
   * eligible, or in panic mode not taken out by the application), for a request pinned to one
   * server. The pick is tracked like any other (in-flight, latency, outcome) but does not go
   * through the selector, so it moves no selector state.
   *
   * @return the pick, or empty if that server may not be picked now
   */
  public Optional<Pick> pickServer(String serverId) {
    requireNonNull(serverId, "serverId");
    Endpoint endpoint = snapshot.endpoint(serverId);
    if (endpoint == null) {
      return Optional.empty();
    }
    Accounting rec = accounting;
    long now = rec.pickTime();
    return Optional.of(handle(endpoint, now));
  }

  private Pick handle(Endpoint endpoint, long now) {
    return new Pick(endpoint, now, acquire(endpoint, now));
  }

  /** Counts a pick made at {@code now} in flight; returns its epoch (0 if nothing is counted). */
  private int acquire(Endpoint endpoint, long now) {
    Accounting rec = accounting;
    if (!rec.trackInFlight) {
      return 0;
    }
    int epoch = rec.epoch(now);
    endpoint.stats.acquire(epoch);
    ServerStats total = endpoint.total;
    if (total != null) {
      total.acquire(epoch);
    }
    return epoch;
  }

  // ---- The allocation-free pick: an endpoint and a start time instead of a handle ----

  /**
   * The start time of a pick without a handle, to pass to {@link #pickEndpoint(long)} and then to
   * {@link #complete(Endpoint, long, Outcome)}: a reading of the balancer's clock, or 0 when its
   * selector needs no time. Together with the endpoint it is the whole state of the pick, two
   * values a caller keeps where it already keeps per-request state (a stream tracer's fields, a
   * call's locals), so that a pick and its report allocate nothing.
   */
  public long pickStart() {
    return accounting.pickTime();
  }

  /**
   * Picks a server for one request and counts it in flight, like {@link #pick()} but returning the
   * endpoint itself, with no handle: 0 bytes allocated. Report the outcome exactly once with {@link
   * #complete(Endpoint, long, Outcome)}, passing the same {@code start}. Unlike a {@link Pick},
   * this path does not guard against a second report or a lost one: the caller owns exactly-once (a
   * second report would release another request's in-flight slot; a lost one counts until the
   * in-flight expiry).
   *
   * @param start the value {@link #pickStart()} returned for this request, just before
   * @throws NoAvailableServerException if no server is eligible, saying why
   */
  public Endpoint pickEndpoint(long start) {
    return pickEndpoint(snapshot, start);
  }

  /** {@link #pickEndpoint(long)} from the given state: the latest, or a listener's. */
  Endpoint pickEndpoint(Snapshot s, long start) {
    Selector.Picker picker = s.picker;
    if (picker == null) {
      throw s.noServer(name);
    }
    Endpoint e = picker.pick(start);
    acquire(e, start);
    return e;
  }

  /**
   * Like {@link #pickEndpoint(long)} for a request with this context; see {@link
   * #pick(PickContext)} for what the context does.
   *
   * @throws NoAvailableServerException as for {@link #pick(PickContext)}
   */
  public Endpoint pickEndpoint(long start, PickContext context) {
    requireNonNull(context, "context");
    return pickEndpoint(snapshot, start, context);
  }

  /** {@link #pickEndpoint(long, PickContext)} from the given state: the latest, or a listener's. */
  Endpoint pickEndpoint(Snapshot s, long start, PickContext context) {
    Selector.Picker picker = s.picker;
    if (picker == null) {
      throw s.noServer(name);
    }
    Endpoint e =
        context.hasExclusions()
            ? s.pickExcluding(picker, context, start, accounting, random, name)
            : picker.pick(context, start);
    acquire(e, start);
    return e;
  }

  /**
   * Reports how a request picked with {@link #pickEndpoint(long)} ended, with latency measured from
   * {@code start} with the balancer's ticker. Call it exactly once per pick; see {@link
   * #pickEndpoint(long)}.
   *
   * @throws IllegalArgumentException if the endpoint is not one of this balancer's
   */
  public void complete(Endpoint endpoint, long start, Outcome outcome) {
    requireNonNull(endpoint, "endpoint");
    Accounting rec = accounting;
    complete(endpoint, start, outcome, rec.trackLatency ? rec.read() - start : 0);
  }

  /**
   * Like {@link #complete(Endpoint, long, Outcome)} with a latency the caller measured (a negative
   * one is taken as zero), such as the time to the response's headers for a response that streams.
   *
   * @throws IllegalArgumentException if the endpoint is not one of this balancer's
   */
  public void complete(Endpoint endpoint, long start, Outcome outcome, long latencyNanos) {
    requireNonNull(endpoint, "endpoint");
    requireNonNull(outcome, "outcome");
    Accounting rec = accounting;
    if (endpoint.accounting != rec) {
      throw new IllegalArgumentException(endpoint + " was not picked by " + name);
    }
    rec.record(
        endpoint, start, rec.trackInFlight ? rec.epoch(start) : 0, outcome, latencyNanos, false);
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

  /**
   * The servers that picks choose from right now, as endpoints with their live statistics: the
   * eligible ones, or in panic mode every server the application has not taken out.
   */
  public ImmutableList<Endpoint> eligibleEndpoints() {
    return snapshot.endpoints;
  }

  /**
   * The state the balancer published last, to pick from and to map to an adapter's own connections
   * (see {@link SnapshotListener}).
   */
  public BalancerSnapshot snapshot() {
    return new BalancerSnapshot(this, snapshot);
  }

  /**
   * Tells the balancer whether the server with this id can be reached, for adapters that hold a
   * connection per server (gRPC's subchannels): an unreachable server is not picked, not even in
   * panic mode, and reports {@link HealthState#UNHEALTHY} with {@code reason}; it keeps its
   * statistics, ejection history and what the application set. Servers start reachable.
   *
   * @throws IllegalArgumentException if no server has that id
   */
  public void setReachable(String id, boolean reachable, String reason) {
    requireNonNull(id, "id");
    requireNonNull(reason, "reason");
    update(
        old ->
            replace(
                old,
                id,
                m -> m.unreachable == !reachable ? m : m.withReachable(reachable, reason)));
  }

  /** Whether the balancer is in panic mode (see {@link LoadBalancerBuilder#panicThreshold}). */
  public boolean isPanicMode() {
    return snapshot.panic;
  }

  /** The server with this id, if it is in the balancer. */
  public Optional<Server> server(String id) {
    Member m = snapshot.members.get(requireNonNull(id, "id"));
    return m == null ? Optional.empty() : Optional.of(m.server);
  }

  /** The health of the server with this id, if it is in the balancer. */
  public Optional<HealthState> health(String id) {
    Member m = snapshot.members.get(requireNonNull(id, "id"));
    return m == null ? Optional.empty() : Optional.of(m.state());
  }

  /** The status of every server, in the order they were added. */
  public ImmutableList<ServerStatus> status() {
    long now = accounting.read();
    ImmutableList.Builder<ServerStatus> out = ImmutableList.builder();
    for (Member m : snapshot.members.values()) {
      out.add(status(m, now));
    }
    return out.build();
  }

  /** The status of the server with this id, if it is in the balancer. */
  public Optional<ServerStatus> status(String id) {
    Member m = snapshot.members.get(requireNonNull(id, "id"));
    return m == null ? Optional.empty() : Optional.of(status(m, accounting.read()));
  }

  private ServerStatus status(Member m, long now) {
    int inFlight = m.stats.inFlight(accounting.epoch(now));
    SlowStart slow = slowStart;
    return new ServerStatus(
        m.server,
        m.state(),
        m.applicationState,
        m.activeCheckFailing,
        m.ejected,
        m.ejected ? Duration.ofNanos(Math.max(0, m.ejectedUntil - now)) : null,
        m.ejections,
        m.warming && slow != null ? slow.factor(now - m.warmStart) : 1.0,
        inFlight,
        m.stats.latencyEstimate(now, accounting.slowDecayNanos, inFlight == 0),
        m.reason);
  }

  /**
   * Replaces the whole server list, as a service-discovery update would. Servers whose id is
   * already present keep their statistics and health (and take the new weight, zone and metadata);
   * new ids start healthy (warming up, under slow start); ids not in the list are removed.
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
    long now = accounting.read();
    update(old -> toMembers(copy, old, now, true));
  }

  /**
   * Adds a healthy server (warming up, under slow start).
   *
   * @throws IllegalArgumentException if a server with the same id is already present
   */
  public void addServer(Server server) {
    requireNonNull(server, "server");
    long now = accounting.read();
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
              .put(server.id(), newMember(server, now, true))
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
   * Removes the server with this id; picks that start after this returns never choose it. Requests
   * already sent to it complete normally.
   *
   * @return whether the server was present
   */
  @CanIgnoreReturnValue
  public boolean removeServer(String id) {
    requireNonNull(id, "id");
    boolean[] removed = new boolean[1];
    update(
        old -> {
          Member gone = old.get(id);
          removed[0] = gone != null;
          if (gone == null) {
            return old;
          }
          return copyReplacing(old, gone, null);
        });
    return removed[0];
  }

  /** Removes every server. */
  public void clear() {
    update(old -> ImmutableMap.of());
  }

  /**
   * Sets what the application says of the server with this id: {@link HealthState#HEALTHY}, {@link
   * HealthState#UNHEALTHY} or {@link HealthState#DRAINING}. Picks that start after this returns
   * respect it. Health checks and outlier detection still apply on top: a server set healthy but
   * ejected stays ejected until its ejection ends.
   *
   * @throws IllegalArgumentException if no server has that id, or the state is one only the
   *     balancer sets ({@code WARMING}, {@code EJECTED})
   */
  public void setHealth(String id, HealthState health) {
    requireNonNull(id, "id");
    requireNonNull(health, "health");
    checkArgument(
        health == HealthState.HEALTHY
            || health == HealthState.UNHEALTHY
            || health == HealthState.DRAINING,
        "the application may set HEALTHY, UNHEALTHY or DRAINING, not %s",
        health);
    update(
        old ->
            replace(
                old,
                id,
                m ->
                    m.applicationState == health
                        ? m
                        : m.withApplicationState(health, "set " + health + " by the application")));
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

  /**
   * Drains the server with this id and removes it once its in-flight requests have completed (or
   * expired, see {@link LoadBalancerBuilder#inFlightExpiry}); the future completes with the removed
   * server. The check runs on the balancer's scheduler (one is started if none is running).
   *
   * <p>If the balancer does not count in-flight requests (its selector ignores load and no health
   * feature is configured), the server is removed at the next check: requests already sent hold
   * their own handles and complete normally.
   *
   * <p>Calling it again while the removal is pending returns the same future. The removal is
   * cancelled, the server stays, and the future completes exceptionally with a {@link
   * java.util.concurrent.CancellationException} saying why, when:
   *
   * <ul>
   *   <li>the application sets another health ({@code setHealth(id, HEALTHY)} puts the server back
   *       into use, {@code UNHEALTHY} keeps it out; {@link #drain} changes nothing);
   *   <li>the application cancels the future (the server then stays {@code DRAINING});
   *   <li>the balancer is closed first ({@link #close()} completes every pending removal).
   * </ul>
   *
   * <p>The future may complete on the balancer's scheduler thread or on the thread of the change
   * that removed the server; attach slow work with an {@code ...Async} method.
   *
   * @throws IllegalArgumentException if no server has that id
   * @throws IllegalStateException if the balancer is closed
   */
  public CompletableFuture<Server> drainAndRemove(String id) {
    requireNonNull(id, "id");
    checkState(!closed, "%s is closed", name);
    CompletableFuture<Server> removal = new CompletableFuture<>();
    Server[] target = new Server[1];
    update(
        old ->
            replace(
                old,
                id,
                m -> {
                  target[0] = m.server;
                  return m.drainRemoval != null ? m : m.withDrainRemoval(removal);
                }));
    Member m = snapshot.members.get(id);
    CompletableFuture<Server> pending = m == null ? null : m.drainRemoval;
    if (pending == null) {
      // Removed (or put back) by another change between the two steps.
      return m == null
          ? CompletableFuture.completedFuture(requireNonNull(target[0]))
          : cancelled(id, "its health was set by another change");
    }
    if (pending == removal) {
      // The application may cancel the future: the server then stays draining, and no longer
      // waits for removal. (A removal cancelled by a health change or by close() is no longer on
      // the member, so this changes nothing then.)
      CompletableFuture<Server> unused =
          removal.whenComplete(
              (server, error) -> {
                if (removal.isCancelled() && !closed) {
                  update(old -> dropDrainRemoval(old, id, removal));
                }
              });
    }
    // close() sets the flag and then cancels the removals of its snapshot; this published first
    // and reads the flag after, so one of the two sees the other (both are volatile).
    if (closed) {
      pending.completeExceptionally(closedBeforeDrain(id));
      return pending;
    }
    ScheduledExecutorService s = scheduler;
    if (s != null && maintenance != null) {
      return pending;
    }
    // No maintenance runs: poll this one removal until it is done.
    ScheduledExecutorService poller = s != null ? s : DrainPoller.INSTANCE;
    pollDrain(poller, id, pending);
    return pending;
  }

  private ImmutableMap<String, Member> dropDrainRemoval(
      ImmutableMap<String, Member> old, String id, CompletableFuture<Server> removal) {
    Member m = old.get(id);
    if (m == null || m.drainRemoval != removal) {
      return old;
    }
    return copyReplacing(old, m, m.withoutDrainRemoval("removal cancelled, still draining"));
  }

  private CompletableFuture<Server> cancelled(String id, String why) {
    CompletableFuture<Server> f = new CompletableFuture<>();
    f.completeExceptionally(new CancellationException("removal of " + id + " cancelled: " + why));
    return f;
  }

  private CancellationException closedBeforeDrain(String id) {
    return new CancellationException(name + " was closed before " + id + " was drained");
  }

  private void pollDrain(ScheduledExecutorService poller, String id, CompletableFuture<Server> f) {
    if (f.isDone() || closed) {
      return;
    }
    completeDrains(accounting.read());
    if (!f.isDone()) {
      ScheduledFuture<?> unused =
          poller.schedule(() -> pollDrain(poller, id, f), 100, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Stops health checks and maintenance, and the scheduler if the balancer created it. Picks keep
   * working on the last snapshot; health no longer changes by itself. Every pending {@link
   * #drainAndRemove} future completes exceptionally with a {@link
   * java.util.concurrent.CancellationException}: the server is not removed.
   */
  @Override
  public void close() {
    closed = true;
    Maintenance m = maintenance;
    if (m != null) {
      m.cancel();
    }
    ScheduledExecutorService s = scheduler;
    if (ownsScheduler && s != null) {
      s.shutdownNow();
    }
    for (Member member : snapshot.members.values()) {
      CompletableFuture<Server> removal = member.drainRemoval;
      if (removal != null) {
        removal.completeExceptionally(closedBeforeDrain(member.server.id()));
      }
    }
  }

  @Override
  public String toString() {
    Snapshot s = snapshot;
    return "LoadBalancer{"
        + name
        + ", "
        + selector.name()
        + ", "
        + s.eligibleCount
        + "/"
        + s.members.size()
        + " eligible"
        + (s.panic ? ", PANIC" : "")
        + "}";
  }

  // ---------------------------------------------------------------------------------------------
  // Changes: every one goes through update(), which publishes a snapshot and reports transitions.

  /**
   * Applies a change to the membership: builds the snapshot for it and publishes it with a CAS,
   * rebuilding on the winner's state if another change got in first. A change that throws leaves
   * the balancer as it was. Returns the published snapshot, or null if the change changed nothing.
   */
  @SuppressWarnings("ReferenceEquality") // a change returns the same map to say "nothing to do"
  @CanIgnoreReturnValue
  private @Nullable Snapshot update(UnaryOperator<ImmutableMap<String, Member>> change) {
    for (; ; ) {
      Snapshot current = snapshot;
      ImmutableMap<String, Member> next = change.apply(current.members);
      if (next == current.members) {
        return null;
      }
      Snapshot built =
          Snapshot.of(next, bound, accounting, slowStart, panicThreshold, accounting.read());
      if (SNAPSHOT.compareAndSet(this, current, built)) {
        reportTransitions(current, built);
        startHealthChecks(built);
        published(built);
        return built;
      }
    }
  }

  private Member newMember(Server server, long now, boolean warm) {
    return new Member(server, new ServerStats(), warm && slowStart != null, now);
  }

  private ImmutableMap<String, Member> replace(
      ImmutableMap<String, Member> old, String id, UnaryOperator<Member> change) {
    Member m = old.get(id);
    checkArgument(m != null, "unknown server id '%s' in %s", id, name);
    Member changed = change.apply(m);
    if (changed == m) {
      return old;
    }
    return copyReplacing(old, m, changed);
  }

  /**
   * The members in the same order with {@code target} replaced by {@code replacement}, or left out
   * if that is null: one pass straight into the immutable map, rather than a LinkedHashMap copy and
   * then a second copy, since each change of one server copies every member.
   */
  private static ImmutableMap<String, Member> copyReplacing(
      ImmutableMap<String, Member> old, Member target, @Nullable Member replacement) {
    ImmutableMap.Builder<String, Member> copy = ImmutableMap.builderWithExpectedSize(old.size());
    for (Map.Entry<String, Member> e : old.entrySet()) {
      Member m = e.getValue();
      if (m != target) {
        copy.put(e.getKey(), m);
      } else if (replacement != null) {
        copy.put(e.getKey(), replacement);
      }
    }
    return copy.buildOrThrow();
  }

  private ImmutableMap<String, Member> toMembers(
      Collection<Server> servers, ImmutableMap<String, Member> old, long now, boolean warm) {
    Map<String, Member> out = new LinkedHashMap<>();
    for (Server server : servers) {
      requireNonNull(server, "server list contains null");
      Member previous = old.get(server.id());
      Member m = previous == null ? newMember(server, now, warm) : previous.withServer(server);
      Member clash = out.put(server.id(), m);
      if (clash != null) {
        throw new IllegalArgumentException(
            "duplicate server id '"
                + server.id()
                + "' in the server list for "
                + name
                + ": "
                + clash.server
                + " and "
                + server);
      }
    }
    return ImmutableMap.copyOf(out);
  }

  /** Logs and reports every state change between two published snapshots. */
  private void reportTransitions(Snapshot before, Snapshot after) {
    for (Member m : after.members.values()) {
      Member old = before.members.get(m.server.id());
      if (old == null) {
        continue;
      }
      CompletableFuture<Server> dropped = old.drainRemoval;
      if (dropped != null && m.drainRemoval != dropped) {
        dropped.completeExceptionally(
            new CancellationException(
                "removal of " + m.server.id() + " cancelled: " + m.reason + " before it drained"));
      }
      HealthState from = old.state();
      HealthState to = m.state();
      if (from != to) {
        logger.info("{}: server {} {} -> {} ({})", name, m.server.id(), from, to, m.reason);
        for (HealthListener l : listeners) {
          notify(l, () -> l.onStateChange(m.server, from, to, m.reason));
        }
      }
    }
    for (Member old : before.members.values()) {
      if (!after.members.containsKey(old.server.id())) {
        logger.info("{}: server {} removed", name, old.server.id());
        CompletableFuture<Server> removal = old.drainRemoval;
        if (removal != null) {
          removal.complete(old.server);
        }
        for (HealthListener l : listeners) {
          notify(l, () -> l.onRemoved(old.server));
        }
      }
    }
    if (before.panic != after.panic) {
      if (after.panic) {
        logger.warn(
            "{}: entering panic mode: only {} of {} servers are healthy (threshold {}%), "
                + "balancing across all of them",
            name, after.eligibleCount, after.consideredCount, panicThreshold * 100);
      } else {
        logger.info(
            "{}: leaving panic mode: {} of {} servers are healthy",
            name,
            after.eligibleCount,
            after.consideredCount);
      }
      for (HealthListener l : listeners) {
        notify(
            l, () -> l.onPanicModeChange(after.panic, after.eligibleCount, after.consideredCount));
      }
    }
  }

  /** Hands a published state to the snapshot listeners. */
  private void published(Snapshot s) {
    if (snapshotListeners.isEmpty()) {
      return;
    }
    BalancerSnapshot view = new BalancerSnapshot(this, s);
    for (SnapshotListener l : snapshotListeners) {
      try {
        l.onSnapshot(view);
      } catch (RuntimeException e) {
        logger.warn("{}: snapshot listener {} failed", name, l, e);
      }
    }
  }

  private void notify(HealthListener listener, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      logger.warn("{}: health listener {} failed", name, listener, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Passive outlier detection

  /** Called by every completed pick when outlier detection is on; cheap unless a rule trips. */
  private void onOutcome(Endpoint endpoint, Outcome outcome) {
    OutlierDetection od = requireNonNull(outlier);
    ServerStats stats = endpoint.stats;
    long streaks = stats.recordOutcome(outcome);
    int failures = (int) streaks;
    int connectFailures = (int) (streaks >>> 32);
    // Exactly one reporter sees a count reach its threshold, so one thread ejects. (Reading the
    // connect count again after the add would let two racing reporters both see N + 1, and the
    // streak would never be seen at N.)
    if (od.consecutiveFailures > 0 && failures == od.consecutiveFailures) {
      eject(stats, failures + " consecutive failures");
    } else if (od.consecutiveConnectFailures > 0
        && connectFailures == od.consecutiveConnectFailures) {
      eject(stats, od.consecutiveConnectFailures + " consecutive connect failures or timeouts");
    }
  }

  /** Ejects the member that owns these statistics, if the maximum ejection percentage allows. */
  private void eject(ServerStats stats, String why) {
    OutlierDetection od = requireNonNull(outlier);
    long now = accounting.read();
    Snapshot published =
        update(
            old -> {
              Member target = null;
              int ejected = 0;
              for (Member m : old.values()) {
                if (m.ejected) {
                  ejected++;
                }
                if (m.stats == stats) {
                  target = m;
                }
              }
              if (target == null || target.ejected || !mayEject(ejected, old.size(), od)) {
                return old;
              }
              long duration = od.ejectionNanos(target.ejections + 1, random);
              Member changed =
                  target.eject(
                      now + duration,
                      why
                          + "; ejected for "
                          + Duration.ofNanos(duration).toMillis()
                          + " ms (ejection #"
                          + (target.ejections + 1)
                          + ")");
              LinkedHashMap<String, Member> copy = new LinkedHashMap<>(old);
              copy.put(target.server.id(), changed);
              return ImmutableMap.copyOf(copy);
            });
    stats.resetOutcomes();
    // End the ejection on time rather than at the next maintenance tick (up to a second later).
    ScheduledExecutorService exec = scheduler;
    Maintenance task = maintenance;
    if (published != null && exec != null && task != null && !closed) {
      Member ejected = null;
      for (Member m : published.members.values()) {
        if (m.stats == stats && m.ejected) {
          ejected = m;
        }
      }
      if (ejected != null) {
        try {
          ScheduledFuture<?> unused =
              exec.schedule(task, Math.max(0, ejected.ejectedUntil - now), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
          // The scheduler is shut down: the balancer is closing.
        }
      }
    }
  }

  private static boolean mayEject(int alreadyEjected, int total, OutlierDetection od) {
    if (od.maxEjectionPercent == 0) {
      return false;
    }
    int allowed = Math.max(1, (int) ((long) total * od.maxEjectionPercent / 100));
    return alreadyEjected < allowed;
  }

  // ---------------------------------------------------------------------------------------------
  // Maintenance: time-based transitions, run on the scheduler (or directly by tests).

  private void maintainSafely() {
    try {
      // The scheduled run skips when another is in progress: that one does the same work.
      if (maintaining.compareAndSet(false, true)) {
        runMaintenance();
      }
    } catch (RuntimeException e) {
      logger.warn("{}: maintenance failed", name, e);
    }
  }

  /**
   * Runs the time-based transitions once, at the ticker's current time: ends expired ejections
   * (starting slow start), advances slow-start ramps, rotates the outcome windows and applies the
   * rate rules, forgets old ejections, and removes drained servers. Package-private so that tests
   * drive it with a fake ticker; the scheduler calls it every tick.
   */
  void maintain() {
    // Waits for a run in progress (at most one run's duration) so that a caller always gets a run
    // at its own time; this is never on the pick path.
    while (!maintaining.compareAndSet(false, true)) {
      Thread.onSpinWait();
    }
    runMaintenance();
  }

  private void runMaintenance() {
    // The AtomicBoolean's CAS (acquire) and set (release) order this run after the previous one,
    // so the plain fields nextWindowRotation and nextEjectionDecay, and each ServerStats' window
    // ring, are only ever touched by one run at a time and see the previous run's writes.
    try {
      if (closed) {
        return;
      }
      long now = accounting.read();
      endEjectionsAndWarmups(now);
      OutlierDetection od = outlier;
      if (od != null && now - nextWindowRotation >= 0) {
        nextWindowRotation = now + od.intervalNanos / windowSlots;
        applyRateRules(od);
      }
      if (od != null && now - nextEjectionDecay >= 0) {
        nextEjectionDecay = now + od.intervalNanos;
        decayEjections(now, od.intervalNanos);
      }
      completeDrains(now);
    } finally {
      maintaining.set(false);
    }
  }

  private void endEjectionsAndWarmups(long now) {
    SlowStart slow = slowStart;
    update(
        old -> {
          boolean changed = false;
          boolean ramping = false;
          LinkedHashMap<String, Member> copy = new LinkedHashMap<>(old);
          for (Member m : old.values()) {
            Member next = m;
            if (m.ejected && now - m.ejectedUntil >= 0) {
              boolean warm = slow != null;
              next = m.unEject(warm, now, warm ? "ejection over, warming up" : "ejection over");
            } else if (m.warming && (slow == null || now - m.warmStart >= slow.windowNanos())) {
              next = m.warmed("warm-up complete");
            }
            ramping |= next.warming;
            if (next != m) {
              copy.put(m.server.id(), next);
              changed = true;
            }
          }
          // While a server warms up, rebuild anyway so that selectors see its growing weight.
          return changed || ramping ? ImmutableMap.copyOf(copy) : old;
        });
  }

  private void applyRateRules(OutlierDetection od) {
    Map<ServerStats, Long> windows = new LinkedHashMap<>();
    for (Member m : snapshot.members.values()) {
      windows.put(m.stats, m.stats.rotateWindow(windowSlots));
    }
    RateRules.evaluate(od, windows, this::eject);
  }

  /**
   * Forgets one past ejection of every server that has been back for at least a whole interval
   * (Envoy's rule: its interval timer un-ejects a server, and decrements only at a later tick).
   */
  private void decayEjections(long now, long intervalNanos) {
    update(
        old -> {
          boolean changed = false;
          LinkedHashMap<String, Member> copy = new LinkedHashMap<>(old);
          for (Member m : old.values()) {
            if (!m.ejected && m.ejections > 0 && now - m.ejectedUntil >= intervalNanos) {
              copy.put(m.server.id(), m.withEjections(m.ejections - 1));
              changed = true;
            }
          }
          return changed ? ImmutableMap.copyOf(copy) : old;
        });
  }

  /** Removes drained servers that asked for it once nothing is in flight to them. */
  private void completeDrains(long now) {
    int epoch = accounting.epoch(now);
    update(
        old -> {
          LinkedHashMap<String, Member> copy = null;
          for (Member m : old.values()) {
            if (m.drainRemoval != null && m.stats.inFlight(epoch) == 0) {
              if (copy == null) {
                copy = new LinkedHashMap<>(old);
              }
              copy.remove(m.server.id());
            }
          }
          return copy == null ? old : ImmutableMap.copyOf(copy);
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Active health checks (run by HealthCheckChains) report here when a threshold is crossed.

  /** The member with this id in the current snapshot, if any. */
  @Nullable Member member(String id) {
    return snapshot.members.get(id);
  }

  boolean isClosed() {
    return closed;
  }

  void setActiveCheckFailing(String id, ServerStats stats, boolean down, String why) {
    update(
        old -> {
          Member m = old.get(id);
          if (m == null || m.stats != stats || m.activeCheckFailing == down) {
            return old;
          }
          LinkedHashMap<String, Member> copy = new LinkedHashMap<>(old);
          copy.put(id, m.withActiveCheckFailing(down, why));
          return ImmutableMap.copyOf(copy);
        });
  }

  /**
   * A passing active check lifts an outlier ejection (Envoy's {@code
   * successful_active_health_check_uneject_host}), unless outlier detection was told not to. Only
   * once the checks consider the server healthy: while it is below the healthy threshold after
   * failing checks, it stays down anyway.
   */
  void onHealthCheckPassed(String id, ServerStats stats) {
    OutlierDetection od = outlier;
    if (od == null || !od.unejectOnHealthCheck) {
      return;
    }
    // The common case, a server that is not ejected, costs one snapshot read.
    Member current = snapshot.members.get(id);
    if (current == null
        || current.stats != stats
        || !current.ejected
        || current.activeCheckFailing) {
      return;
    }
    long now = accounting.read();
    boolean warm = slowStart != null;
    update(
        old -> {
          Member m = old.get(id);
          if (m == null || m.stats != stats || !m.ejected || m.activeCheckFailing) {
            return old;
          }
          String why = "health check passed, ejection lifted" + (warm ? ", warming up" : "");
          return copyReplacing(old, m, m.unEject(warm, now, why));
        });
  }

  /**
   * The scheduler's maintenance task. It holds the balancer weakly: the scheduler's thread holds
   * the task, and a balancer dropped without {@link #close()} must still become unreachable. Once
   * the balancer has been collected, the task cancels itself and shuts the scheduler down if the
   * balancer owned it, so that its thread ends too (within a tick).
   */
  private static final class Maintenance implements Runnable {
    private final WeakReference<LoadBalancer> balancer;
    private final ScheduledExecutorService exec;
    private final boolean ownsExec;

    // Written once by the constructor's thread right after scheduling, read by the scheduler's
    // thread: volatile, so a run that follows the write sees it (a run before it finds the
    // balancer still reachable, as its constructor is running, and does not read it).
    volatile @Nullable ScheduledFuture<?> periodic;

    Maintenance(LoadBalancer balancer, ScheduledExecutorService exec, boolean ownsExec) {
      this.balancer = new WeakReference<>(balancer);
      this.exec = exec;
      this.ownsExec = ownsExec;
    }

    @Override
    public void run() {
      LoadBalancer lb = balancer.get();
      if (lb != null) {
        lb.maintainSafely();
        return;
      }
      cancel();
      if (ownsExec) {
        exec.shutdownNow();
      }
    }

    void cancel() {
      ScheduledFuture<?> task = periodic;
      if (task != null) {
        task.cancel(false);
      }
    }
  }

  /**
   * A shared daemon scheduler for drain polling in balancers that have no scheduler of their own.
   */
  private static final class DrainPoller {
    static final ScheduledExecutorService INSTANCE =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lbkit-drain");
              t.setDaemon(true);
              return t;
            });

    private DrainPoller() {}
  }
}
