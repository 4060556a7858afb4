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

import org.jspecify.annotations.Nullable;

/**
 * A server as a {@link Selector} sees it in one snapshot of a {@link LoadBalancer}: the {@link
 * Server}, its effective weight, and live load statistics (in-flight requests, latency estimate)
 * learned from the outcomes that picks report.
 *
 * <p>Endpoints are created by the balancer, one per eligible server per snapshot; the statistics
 * behind them belong to the server id and survive re-weighting. The load figures are live and
 * lock-free reads: two reads may see different values while requests come and go.
 *
 * @since 0.1.0
 */
public final class Endpoint {
  final Server server;
  final double weight;
  final double warmupFactor;
  final ServerStats stats;
  final Accounting accounting;

  /**
   * The balancer-wide in-flight counter that a pick of this endpoint also counts in, when the
   * selector reads the total ({@link Selector#usesInFlightTotal()}); null otherwise.
   */
  final @Nullable ServerStats total;

  Endpoint(Server server, double warmupFactor, ServerStats stats, Accounting accounting) {
    this(server, warmupFactor, stats, accounting, null);
  }

  Endpoint(
      Server server,
      double warmupFactor,
      ServerStats stats,
      Accounting accounting,
      @Nullable ServerStats total) {
    this.server = requireNonNull(server, "server");
    this.warmupFactor = warmupFactor;
    this.weight = server.weight() * warmupFactor;
    this.stats = requireNonNull(stats, "stats");
    this.accounting = requireNonNull(accounting, "accounting");
    this.total = total;
  }

  /** The server. */
  public Server server() {
    return server;
  }

  /**
   * The weight that selection uses for this server: its {@link Server#weight()} times its {@link
   * #warmupFactor()}.
   */
  public double weight() {
    return weight;
  }

  /**
   * The slow-start factor in (0, 1]: below 1 while the server warms up, 1 otherwise. Unweighted
   * selectors weigh servers by this factor while any of them warms up.
   */
  public double warmupFactor() {
    return warmupFactor;
  }

  /**
   * The number of picks of this server that have not completed yet, not counting picks older than
   * twice the balancer's in-flight expiry. Zero if the balancer's selector does not track in-flight
   * requests.
   */
  public int inFlight() {
    return stats.inFlight(accounting.epoch(accounting.read()));
  }

  /**
   * The peak-EWMA latency estimate in nanoseconds (decayed towards zero while the server is idle,
   * over 20 times the latency model's decay time: 10 s by default), or zero before any sample or
   * when the balancer's selector does not track latency.
   */
  public double latencyEstimateNanos() {
    long now = accounting.read();
    return accounting.latency(this, now, stats.inFlight(accounting.epoch(now)));
  }

  @Override
  public String toString() {
    return "Endpoint{" + server.id() + ", weight=" + weight + '}';
  }
}
