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

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A read-only report of one server's health and load at one moment, for status pages and metrics:
 * the folded {@link HealthState} and each of its causes.
 *
 * <pre>{@code
 * for (ServerStatus s : balancer.status()) {
 *   System.out.printf("%s %s in-flight=%d%n", s.server().id(), s.state(), s.inFlight());
 * }
 * }</pre>
 *
 * @since 0.1.0
 */
public final class ServerStatus {
  private final Server server;
  private final HealthState state;
  private final HealthState applicationState;
  private final boolean activeCheckFailing;
  private final boolean ejected;
  private final @Nullable Duration ejectionRemaining;
  private final int recentEjections;
  private final double weightFactor;
  private final int inFlight;
  private final double latencyEstimateNanos;
  private final String reason;

  ServerStatus(
      Server server,
      HealthState state,
      HealthState applicationState,
      boolean activeCheckFailing,
      boolean ejected,
      @Nullable Duration ejectionRemaining,
      int recentEjections,
      double weightFactor,
      int inFlight,
      double latencyEstimateNanos,
      String reason) {
    this.server = requireNonNull(server);
    this.state = requireNonNull(state);
    this.applicationState = requireNonNull(applicationState);
    this.activeCheckFailing = activeCheckFailing;
    this.ejected = ejected;
    this.ejectionRemaining = ejectionRemaining;
    this.recentEjections = recentEjections;
    this.weightFactor = weightFactor;
    this.inFlight = inFlight;
    this.latencyEstimateNanos = latencyEstimateNanos;
    this.reason = requireNonNull(reason);
  }

  /** The status of this member at {@code now}, with the balancer's accounting and slow start. */
  static ServerStatus of(Member m, long now, Accounting accounting, @Nullable SlowStart slow) {
    int inFlight = m.stats.inFlight(accounting.epoch(now));
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

  /** The server. */
  public Server server() {
    return server;
  }

  /** The folded state (the strongest cause). */
  public HealthState state() {
    return state;
  }

  /** Whether the server may receive new picks now. */
  public boolean isEligible() {
    return state.isEligible();
  }

  /** What the application set: {@code HEALTHY}, {@code UNHEALTHY} or {@code DRAINING}. */
  public HealthState applicationState() {
    return applicationState;
  }

  /** Whether active health checks currently fail this server. */
  public boolean isActiveCheckFailing() {
    return activeCheckFailing;
  }

  /** Whether outlier detection has ejected this server. */
  public boolean isEjected() {
    return ejected;
  }

  /** How long the current ejection still lasts, if ejected. */
  public Optional<Duration> ejectionRemaining() {
    return Optional.ofNullable(ejectionRemaining);
  }

  /** Recent ejections, which make the next ejection longer. */
  public int recentEjections() {
    return recentEjections;
  }

  /** The slow-start weight factor in (0, 1]; 1 when not warming. */
  public double weightFactor() {
    return weightFactor;
  }

  /** Requests in flight (0 when the selector does not count them). */
  public int inFlight() {
    return inFlight;
  }

  /** The latency estimate in nanoseconds (0 when the selector does not track latency). */
  public double latencyEstimateNanos() {
    return latencyEstimateNanos;
  }

  /** Why the last health input changed, in words. */
  public String reason() {
    return reason;
  }

  @Override
  public String toString() {
    return "ServerStatus{"
        + server.id()
        + " "
        + state
        + (ejected ? ", ejected" : "")
        + (activeCheckFailing ? ", active check failing" : "")
        + (weightFactor < 1 ? ", weight x" + weightFactor : "")
        + ", inFlight="
        + inFlight
        + ", reason="
        + reason
        + '}';
  }
}
