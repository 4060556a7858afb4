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

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link LoadBalancer}'s membership current from a {@link ServerSource}.
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancer.builder().name("inventory").build();
 * DiscoveryBinding discovery = DiscoveryBinding.start(balancer,
 *     DnsServerSource.forSrv("_http._tcp.inventory.internal").build());
 * discovery.awaitServers(Duration.ofSeconds(5)); // optional: wait for the first list
 * ...
 * discovery.close(); // stops the look-ups; the balancer keeps its servers
 * }</pre>
 *
 * <p>Each list the source delivers replaces the balancer's servers ({@link
 * LoadBalancer#setServers}: servers that stay keep their statistics and health). What the source
 * cannot tell is never taken as "no servers": when a look-up fails, answers nothing, or gives a
 * list the balancer refuses, the balancer keeps its last good list, the failure shows in {@link
 * #status()}, and the source retries (a {@link PollingServerSource} with exponential backoff capped
 * at its refresh interval). Changes are logged once each (SLF4J logger {@code
 * io.lbkit.core.DiscoveryBinding}): a new list at INFO, the first failure after a success at WARN,
 * further failures at DEBUG, the recovery at INFO.
 *
 * <p>A source that sees health ({@link ServerSource.Listener#onServers(List, Map)}) has it applied
 * with the list, in one change: a server the source reports draining or unhealthy is never eligible
 * in between. A server's health is set when the source's health for it changes (or when it first
 * comes as not healthy), so that what the application sets in between ({@link LoadBalancer#drain},
 * say) stands until the source reports something new.
 *
 * <p>Thread-safe. Deliveries are applied one at a time.
 *
 * @since 0.1.0
 */
public final class DiscoveryBinding implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(DiscoveryBinding.class);

  private final LoadBalancer balancer;
  private final String source;
  private final Clock clock;
  private final CountDownLatch firstServers = new CountDownLatch(1);
  // Deliveries (accept, fail) hold this object's lock: they come once per look-up, never on the
  // pick path, and the lock keeps a list and a failure from interleaving. Written under the lock
  // by deliveries; volatile so that status() reads the latest without it.
  private volatile DiscoveryStatus status;
  // Guarded by this: the ids of the list last applied.
  private @Nullable Set<String> applied;
  // Guarded by this: the health the source gave each server of the list last applied. The
  // balancer's health of a server is changed only when the source's changes, so that what the
  // application set in between (a drain) stands until the source says something new.
  private Map<String, HealthState> appliedHealth = Map.of();
  private final ServerSource.Registration registration;

  private DiscoveryBinding(LoadBalancer balancer, ServerSource source, Clock clock) {
    this.balancer = balancer;
    this.source = requireNonNull(source.name(), "source.name()");
    this.clock = clock;
    this.status = new DiscoveryStatus(this.source, null, 0, null, null, 0);
    this.registration = requireNonNull(source.start(new Deliveries()), "source.start()");
  }

  /**
   * Starts {@code source} and applies what it delivers to {@code balancer} until {@link #close()}.
   */
  public static DiscoveryBinding start(LoadBalancer balancer, ServerSource source) {
    requireNonNull(balancer, "balancer");
    requireNonNull(source, "source");
    return new DiscoveryBinding(balancer, source, Clock.systemUTC());
  }

  /** The source's current status. */
  public DiscoveryStatus status() {
    return status;
  }

  /**
   * Waits until the source has delivered its first list (a balancer built without servers fails its
   * picks until then).
   *
   * @return whether it has, within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitServers(Duration timeout) throws InterruptedException {
    requireNonNull(timeout, "timeout");
    return firstServers.await(
        Durations.checkNonNegative(timeout, "timeout").toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Asks the source for an early look-up (see {@link ServerSource.Registration#refresh()}). */
  public void refresh() {
    registration.refresh();
  }

  /** Stops the source; the balancer keeps the servers it has. Idempotent. */
  @Override
  public void close() {
    registration.close();
  }

  @Override
  public String toString() {
    return "DiscoveryBinding{" + balancer.name() + " <- " + status + "}";
  }

  // Holds this object's lock, off the pick path: see the comment on the fields.
  private synchronized void accept(List<Server> servers, Map<String, HealthState> health) {
    if (servers.isEmpty()) {
      fail(new IllegalStateException("source " + source + " found no servers"));
      return;
    }
    Set<String> ids = new HashSet<>();
    Map<String, HealthState> sourceHealth = new HashMap<>();
    Map<String, HealthState> changes = new HashMap<>();
    try {
      for (Server s : servers) {
        requireNonNull(s, "the server list of source " + source + " holds null");
        ids.add(s.id());
        HealthState h = health.getOrDefault(s.id(), HealthState.HEALTHY);
        checkArgument(
            h == HealthState.HEALTHY || h == HealthState.UNHEALTHY || h == HealthState.DRAINING,
            "source %s gave server %s the health %s; a source may give HEALTHY, UNHEALTHY or"
                + " DRAINING",
            source,
            s.id(),
            h);
        sourceHealth.put(s.id(), h);
        // A server new to the source starts healthy in the balancer (or keeps what the
        // application set before): only a health other than HEALTHY is applied to it.
        if (h != appliedHealth.getOrDefault(s.id(), HealthState.HEALTHY)) {
          changes.put(s.id(), h);
        }
      }
    } catch (RuntimeException e) {
      fail(e);
      return;
    }
    Set<String> before = applied;
    try {
      balancer.setServers(servers, changes);
    } catch (RuntimeException e) {
      fail(e); // duplicate ids, a null: the balancer is unchanged
      return;
    }
    applied = ids;
    appliedHealth = sourceHealth;
    DiscoveryStatus old = status;
    status =
        new DiscoveryStatus(
            source,
            clock.instant(),
            servers.size(),
            old.lastError().orElse(null),
            old.lastErrorTime().orElse(null),
            0);
    if (old.consecutiveFailures() > 0) {
      logger.info(
          "discovery {} for {}: recovered after {} failures",
          source,
          balancer.name(),
          old.consecutiveFailures());
    }
    if (!ids.equals(before)) {
      Set<String> added = new HashSet<>(ids);
      Set<String> removed = new HashSet<>();
      if (before != null) {
        added.removeAll(before);
        removed.addAll(before);
        removed.removeAll(ids);
      }
      logger.info(
          "discovery {} for {}: {} servers, added {}, removed {}",
          source,
          balancer.name(),
          servers.size(),
          added,
          removed);
    }
    if (!changes.isEmpty()) {
      logger.info("discovery {} for {}: health set {}", source, balancer.name(), changes);
    }
    firstServers.countDown();
  }

  // Holds this object's lock, off the pick path: see the comment on the fields.
  private synchronized void fail(Throwable error) {
    DiscoveryStatus old = status;
    int failures =
        old.consecutiveFailures() == Integer.MAX_VALUE
            ? Integer.MAX_VALUE
            : old.consecutiveFailures() + 1;
    status =
        new DiscoveryStatus(
            source,
            old.lastSuccess().orElse(null),
            old.serverCount(),
            error,
            clock.instant(),
            failures);
    if (failures == 1) {
      logger.warn(
          "discovery {} for {}: look-up failed, {}: {}",
          source,
          balancer.name(),
          old.lastSuccess().isPresent()
              ? "keeping the last " + old.serverCount() + " servers"
              : "no servers yet",
          error.toString());
    } else {
      logger.debug(
          "discovery {} for {}: failure {} in a row: {}",
          source,
          balancer.name(),
          failures,
          error.toString());
    }
  }

  /** The listener the source delivers to. */
  private final class Deliveries implements ServerSource.Listener {
    @Override
    public void onServers(List<Server> servers) {
      accept(requireNonNull(servers, "servers"), Map.of());
    }

    @Override
    public void onServers(List<Server> servers, Map<String, HealthState> health) {
      accept(requireNonNull(servers, "servers"), requireNonNull(health, "health"));
    }

    @Override
    public void onError(Throwable error) {
      fail(requireNonNull(error, "error"));
    }
  }
}
