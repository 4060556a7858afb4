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

import com.google.common.collect.ImmutableMap;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The load a server reports about itself: its requests in flight (RIF), its recent latency, and
 * optionally named metrics (such as ORCA's {@code cpu_utilization} or an application's own). A
 * {@link ProbeTransport} returns one per probe, and an adapter that reads one from an ordinary
 * response (a header, a trailer) hands it to {@link LoadBalancer#reportLoad(Endpoint, LoadReport)}.
 * The probing selector ({@link Selectors#probing()}) uses the RIF and the latency; named metrics
 * are carried for other consumers and ignored by the selectors.
 *
 * <p>Immutable and thread-safe.
 *
 * <pre>{@code
 * LoadReport report = LoadReport.of(12, Duration.ofMillis(4));
 * LoadReport withCpu = LoadReport.of(12, 4_000_000L, Map.of("cpu_utilization", 0.63));
 * }</pre>
 *
 * @since 0.3.0
 */
public final class LoadReport {
  /** The most requests in flight a report may carry: far above any real server's. */
  public static final int MAX_REQUESTS_IN_FLIGHT = 1 << 24;

  /** The longest latency a report may carry, in nanoseconds: one day. */
  public static final long MAX_LATENCY_NANOS = 86_400_000_000_000L;

  private final int requestsInFlight;
  private final long latencyNanos;
  private final ImmutableMap<String, Double> metrics;

  private LoadReport(
      int requestsInFlight, long latencyNanos, ImmutableMap<String, Double> metrics) {
    this.requestsInFlight = requestsInFlight;
    this.latencyNanos = latencyNanos;
    this.metrics = metrics;
  }

  /**
   * A report of this many requests in flight and this recent latency, without named metrics.
   *
   * @param requestsInFlight the requests the server is working on or queueing now, in [0, {@value
   *     #MAX_REQUESTS_IN_FLIGHT}]
   * @param latencyNanos the server's recent latency (Prequal: the median latency of recent requests
   *     that arrived at about the current RIF) in nanoseconds, in [0, one day]; 0 when the server
   *     has no recent requests
   * @throws IllegalArgumentException naming the value if either is out of range
   */
  public static LoadReport of(int requestsInFlight, long latencyNanos) {
    return of(requestsInFlight, latencyNanos, ImmutableMap.of());
  }

  /**
   * A report of this many requests in flight and this recent latency.
   *
   * @throws NullPointerException if {@code latency} is null
   * @throws IllegalArgumentException naming the value if either is out of range (see {@link
   *     #of(int, long)})
   */
  public static LoadReport of(int requestsInFlight, Duration latency) {
    requireNonNull(latency, "latency");
    checkArgument(
        !latency.isNegative() && latency.compareTo(Duration.ofNanos(MAX_LATENCY_NANOS)) <= 0,
        "load report latency must be in [0, 1 day] but was %s",
        latency);
    return of(requestsInFlight, latency.toNanos());
  }

  /**
   * A report with named metrics as well (as ORCA's {@code OrcaLoadReport} carries them).
   *
   * @param metrics by name: names not blank, values finite numbers; copied
   * @throws NullPointerException if {@code metrics}, a name or a value is null
   * @throws IllegalArgumentException naming the value if the RIF or the latency is out of range
   *     (see {@link #of(int, long)}), a name is blank or a value is not finite
   */
  public static LoadReport of(
      int requestsInFlight, long latencyNanos, Map<String, Double> metrics) {
    checkArgument(
        requestsInFlight >= 0 && requestsInFlight <= MAX_REQUESTS_IN_FLIGHT,
        "load report requests in flight must be in [0, %s] but was %s",
        MAX_REQUESTS_IN_FLIGHT,
        requestsInFlight);
    checkArgument(
        latencyNanos >= 0 && latencyNanos <= MAX_LATENCY_NANOS,
        "load report latency must be in [0, %s] ns (one day) but was %s ns",
        MAX_LATENCY_NANOS,
        latencyNanos);
    requireNonNull(metrics, "metrics");
    ImmutableMap.Builder<String, Double> copy =
        ImmutableMap.builderWithExpectedSize(metrics.size());
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      String name = requireNonNull(e.getKey(), "load report metric name");
      Double value = e.getValue();
      if (value == null) {
        throw new NullPointerException("load report metric '" + name + "' has a null value");
      }
      checkArgument(
          !name.isBlank(), "load report metric names must not be blank but was '%s'", name);
      checkArgument(
          Double.isFinite(value),
          "load report metric '%s' must be a finite number but was %s",
          name,
          value);
      copy.put(name, value);
    }
    return new LoadReport(requestsInFlight, latencyNanos, copy.buildOrThrow());
  }

  /** The server's requests in flight (RIF) when it made the report. */
  public int requestsInFlight() {
    return requestsInFlight;
  }

  /** The server's recent latency in nanoseconds; 0 when it had no recent requests. */
  public long latencyNanos() {
    return latencyNanos;
  }

  /** The named metrics, possibly empty. */
  public ImmutableMap<String, Double> metrics() {
    return metrics;
  }

  /** The named metric, or null if the report does not carry it. */
  public @Nullable Double metric(String name) {
    return metrics.get(requireNonNull(name, "name"));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LoadReport r
        && r.requestsInFlight == requestsInFlight
        && r.latencyNanos == latencyNanos
        && r.metrics.equals(metrics);
  }

  @Override
  public int hashCode() {
    return (31 * requestsInFlight + Long.hashCode(latencyNanos)) * 31 + metrics.hashCode();
  }

  @Override
  public String toString() {
    return "LoadReport{rif="
        + requestsInFlight
        + ", latency="
        + latencyNanos / 1_000
        + "us"
        + (metrics.isEmpty() ? "" : ", " + metrics)
        + '}';
  }
}
