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

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A client-side load balancer: a dynamic list of servers, their health, and a {@link Selector} that
 * picks one server per request.
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancer.builder()
 *     .selector(Selectors.leastResponseTime())
 *     .servers(List.of(Server.of("10.0.0.1", 8080), Server.of("10.0.0.2", 8080)))
 *     .outlierDetection(OutlierDetection.defaults()) // optional health features
 *     .build();
 *
 * try (Pick pick = balancer.pick()) {
 *   Response response = call(pick.server(), request);
 *   pick.complete(response.ok() ? Outcome.SUCCESS : Outcome.FAILURE);
 * }
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

  private final String name;
  private final Selector selector;

  private final Accounting accounting;
  // Picks and their reports, from the latest snapshot here or from a BalancerSnapshot's own.
  private final PickPath pickPath;
  private final @Nullable SlowStart slowStart;
  private final Lifecycle lifecycle;

  // The snapshot picks read (one volatile read per pick) and the one way to change it: every
  // feature changes the membership only through it. The builder assembles the features (see
  // LoadBalancerBuilder.assemble); the facade calls only these.
  private final SnapshotPublisher publisher;
  private final Drains drains;
  private final Maintenance maintenance;
  private final ProbeLink probes;
  private final MemberEdits edits;

  LoadBalancer(LoadBalancerBuilder b) {
    this.name = b.name;
    this.selector = requireNonNull(b.selector, "selector");
    // Held weakly by the lifecycle: the features see a balancer the application dropped as closed.
    this.lifecycle = new Lifecycle(this);
    Engine engine = b.assemble(lifecycle);
    this.accounting = engine.accounting;
    this.pickPath = engine.pickPath;
    this.slowStart = engine.slowStart;
    this.publisher = engine.publisher;
    this.drains = engine.drains;
    this.maintenance = engine.maintenance;
    this.probes = engine.probes;
    this.edits = new MemberEdits(name, publisher, slowStart != null);
    // Last: a listener may use the balancer it hears from.
    SnapshotRelay.attach(
        name,
        after -> new BalancerSnapshot(this, pickPath, after),
        publisher,
        ImmutableList.copyOf(b.snapshotListeners));
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
    return pickPath.pick(publisher.current());
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
    return pickPath.pick(publisher.current(), requireNonNull(context, "context"));
  }

  /**
   * Hands the balancer a load report that its server sent with an ordinary response (a header, a
   * trailer), for the probing selector ({@link Selectors#probing()}), which uses it as it uses a
   * probe's answer: fresh information at no extra round trip. Other selectors ignore it. Call it
   * off the pick path, as the response arrives; it costs a few map look-ups and no lock on the pick
   * path.
   *
   * @param endpoint the endpoint the response came from, as picked from this balancer
   * @since 0.3.0
   */
  public void reportLoad(Endpoint endpoint, LoadReport report) {
    requireNonNull(endpoint, "endpoint");
    requireNonNull(report, "report");
    probes.report(endpoint, report, accounting.read());
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
    return Optional.ofNullable(pickPath.pickServer(publisher.current(), serverId));
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
    return pickPath.start();
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
    return pickPath.pickEndpoint(publisher.current(), start);
  }

  /**
   * Like {@link #pickEndpoint(long)} for a request with this context; see {@link
   * #pick(PickContext)} for what the context does.
   *
   * @throws NoAvailableServerException as for {@link #pick(PickContext)}
   */
  public Endpoint pickEndpoint(long start, PickContext context) {
    return pickPath.pickEndpoint(publisher.current(), start, requireNonNull(context, "context"));
  }

  /**
   * Reports how a request picked with {@link #pickEndpoint(long)} ended, with latency measured from
   * {@code start} with the balancer's ticker. Call it exactly once per pick; see {@link
   * #pickEndpoint(long)}.
   *
   * @throws IllegalArgumentException if the endpoint is not one of this balancer's (checked when
   *     the balancer records outcomes: a balancer whose selector tracks nothing, without outlier
   *     detection or observers, does not read the endpoint)
   */
  public void complete(Endpoint endpoint, long start, Outcome outcome) {
    pickPath.complete(endpoint, start, outcome);
  }

  /**
   * Like {@link #complete(Endpoint, long, Outcome)} with a latency the caller measured (a negative
   * one is taken as zero), such as the time to the response's headers for a response that streams.
   *
   * @throws IllegalArgumentException if the endpoint is not one of this balancer's (checked when
   *     the balancer records outcomes: a balancer whose selector tracks nothing, without outlier
   *     detection or observers, does not read the endpoint)
   */
  public void complete(Endpoint endpoint, long start, Outcome outcome, long latencyNanos) {
    pickPath.complete(endpoint, start, outcome, latencyNanos);
  }

  /**
   * Reports that the response of a request picked with {@link #pickEndpoint(long)} started (its
   * headers, or its first message, arrived), like {@link Pick#responseStarted()}: the latency
   * sample is the time to first response, measured from {@code start} with the balancer's ticker,
   * and the request no longer counts as awaiting its first response (the load least response time
   * compares), though it stays in flight until its outcome. Call it at most once per pick, before
   * the outcome, and then report the outcome with {@link #completeStarted}, not {@link
   * #complete(Endpoint, long, Outcome)}.
   *
   * @throws IllegalArgumentException if the endpoint is not one of this balancer's
   */
  public void responseStarted(Endpoint endpoint, long start) {
    pickPath.responseStarted(endpoint, start);
  }

  /**
   * Reports how a request ended whose response start was reported with {@link
   * #responseStarted(Endpoint, long)}: it leaves the in-flight count, and a success takes no second
   * latency sample (a failure still does, measured from {@code start}). Call it exactly once per
   * such pick, instead of {@link #complete(Endpoint, long, Outcome)}.
   *
   * @throws IllegalArgumentException if the endpoint is not one of this balancer's
   */
  public void completeStarted(Endpoint endpoint, long start, Outcome outcome) {
    pickPath.completeStarted(endpoint, start, outcome);
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
    return snapshot().servers();
  }

  /**
   * The servers that picks choose from right now, as endpoints with their live statistics: the
   * eligible ones, or in panic mode every server the application has not taken out.
   */
  public ImmutableList<Endpoint> eligibleEndpoints() {
    return publisher.current().endpoints;
  }

  /**
   * The state the balancer published last, to pick from and to map to an adapter's own connections
   * (see {@link SnapshotListener}).
   */
  public BalancerSnapshot snapshot() {
    return new BalancerSnapshot(this, pickPath, publisher.current());
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
    edits.setReachable(id, reachable, reason);
  }

  /** Whether the balancer is in panic mode (see {@link LoadBalancerBuilder#panicThreshold}). */
  public boolean isPanicMode() {
    return publisher.current().panic;
  }

  /** The server with this id, if it is in the balancer. */
  public Optional<Server> server(String id) {
    Member m = publisher.current().members.get(requireNonNull(id, "id"));
    return m == null ? Optional.empty() : Optional.of(m.server);
  }

  /** The health of the server with this id, if it is in the balancer. */
  public Optional<HealthState> health(String id) {
    Member m = publisher.current().members.get(requireNonNull(id, "id"));
    return m == null ? Optional.empty() : Optional.of(m.state());
  }

  /** The status of every server, in the order they were added. */
  public ImmutableList<ServerStatus> status() {
    long now = accounting.read();
    ImmutableList.Builder<ServerStatus> out = ImmutableList.builder();
    for (Member m : publisher.current().members.values()) {
      out.add(ServerStatus.of(m, now, accounting, slowStart));
    }
    return out.build();
  }

  /** The status of the server with this id, if it is in the balancer. */
  public Optional<ServerStatus> status(String id) {
    Member m = publisher.current().members.get(requireNonNull(id, "id"));
    return m == null
        ? Optional.empty()
        : Optional.of(ServerStatus.of(m, accounting.read(), accounting, slowStart));
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
    edits.setServers(servers);
  }

  /**
   * {@link #setServers(Collection)} and, in the same change, the application health of the servers
   * named in {@code health} (HEALTHY, UNHEALTHY or DRAINING): for a discovery source that sees
   * health, so that no pick finds a server it reports out of service eligible in between.
   */
  void setServers(Collection<Server> servers, Map<String, HealthState> health) {
    edits.setServers(servers, health);
  }

  /**
   * Adds a healthy server (warming up, under slow start).
   *
   * @throws IllegalArgumentException if a server with the same id is already present
   */
  public void addServer(Server server) {
    edits.add(server);
  }

  /**
   * Replaces the server that has the same id (to change its weight, zone or metadata), keeping its
   * statistics and health.
   *
   * @throws IllegalArgumentException if no server has that id
   */
  public void updateServer(Server server) {
    edits.update(server);
  }

  /**
   * Removes the server with this id; picks that start after this returns never choose it. Requests
   * already sent to it complete normally.
   *
   * @return whether the server was present
   */
  @CanIgnoreReturnValue
  public boolean removeServer(String id) {
    return edits.remove(id);
  }

  /** Removes every server. */
  public void clear() {
    edits.clear();
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
    edits.setHealth(id, health);
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
    checkState(!lifecycle.isClosed(), "%s is closed", name);
    return drains.drainAndRemove(id);
  }

  /**
   * Stops health checks and maintenance, and the scheduler if the balancer created it. Picks keep
   * working on the last snapshot; health no longer changes by itself. Every pending {@link
   * #drainAndRemove} future completes exceptionally with a {@link
   * java.util.concurrent.CancellationException}: the server is not removed.
   */
  @Override
  public void close() {
    lifecycle.close();
    maintenance.close();
    drains.close();
  }

  @Override
  public String toString() {
    return "LoadBalancer{"
        + name
        + ", "
        + selector.name()
        + ", "
        + publisher.current().summary()
        + "}";
  }

  /**
   * Runs the time-based transitions once, at the ticker's current time: ends expired ejections
   * (starting slow start), advances slow-start ramps, rotates the outcome windows and applies the
   * rate rules, forgets old ejections, and removes drained servers. Package-private so that tests
   * drive it with a fake ticker; the scheduler runs it every tick.
   */
  void maintain() {
    maintenance.runNow();
  }
}
