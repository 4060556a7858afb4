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
package io.lbkit.server;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One server's load at one moment, as reported on a response or to a probe: its requests in flight
 * (RIF), the median recent latency of requests that arrived at about that RIF, and the fields ORCA
 * carries (CPU and memory utilization, requests and errors per second, other named metrics).
 *
 * <p>RIF and latency are optional because a report decoded from another server (one that speaks
 * ORCA but not lbkit) may lack them, and a server with no recent request knows no latency. On the
 * wire they travel as the ORCA named metrics {@value #RIF_METRIC} and {@value #LATENCY_METRIC}
 * (milliseconds), so that gRPC's and Envoy's own ORCA readers see them too. Immutable.
 */
public final class ServerLoad {
  /** The named metric that carries the requests in flight. */
  public static final String RIF_METRIC = "rif";

  /** The named metric that carries the median recent latency, in milliseconds. */
  public static final String LATENCY_METRIC = "latency_ms";

  /** The most requests in flight a report carries (2^24): far above any real server's. */
  public static final int MAX_REQUESTS_IN_FLIGHT = 1 << 24;

  /** The longest latency a report carries: one day, in nanoseconds. */
  public static final long MAX_LATENCY_NANOS = 86_400_000_000_000L;

  private static final ServerLoad EMPTY = builder().build();

  private final int requestsInFlight;
  private final long latencyNanos;
  private final double cpuUtilization;
  private final double memUtilization;
  private final double rps;
  private final double eps;
  private final Map<String, Double> namedMetrics;

  private ServerLoad(Builder b) {
    this.requestsInFlight = b.requestsInFlight;
    this.latencyNanos = b.latencyNanos;
    this.cpuUtilization = b.cpuUtilization;
    this.memUtilization = b.memUtilization;
    this.rps = b.rps;
    this.eps = b.eps;
    this.namedMetrics = Collections.unmodifiableMap(new LinkedHashMap<>(b.namedMetrics));
  }

  /** A report that carries nothing. */
  public static ServerLoad empty() {
    return EMPTY;
  }

  /** A builder with every field unset. */
  public static Builder builder() {
    return new Builder();
  }

  /** The requests in flight, if reported. */
  public OptionalInt requestsInFlight() {
    return requestsInFlight < 0 ? OptionalInt.empty() : OptionalInt.of(requestsInFlight);
  }

  /** The median recent latency at about the reported RIF, if known. */
  public Optional<Duration> latency() {
    return latencyNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(latencyNanos));
  }

  /** The latency in nanoseconds, or -1 when unknown: {@link #latency()} without allocation. */
  public long latencyNanos() {
    return latencyNanos;
  }

  /** The requests in flight, or -1 when unreported: {@link #requestsInFlight()} without boxing. */
  public int requestsInFlightOrNegative() {
    return requestsInFlight;
  }

  /** ORCA's {@code cpu_utilization}; 0 when unreported (as in ORCA). */
  public double cpuUtilization() {
    return cpuUtilization;
  }

  /** ORCA's {@code mem_utilization}; 0 when unreported. */
  public double memUtilization() {
    return memUtilization;
  }

  /** ORCA's {@code rps_fractional}: completed requests per second; 0 when unreported. */
  public double rps() {
    return rps;
  }

  /** ORCA's {@code eps}: failed requests per second; 0 when unreported. */
  public double eps() {
    return eps;
  }

  /**
   * Every metric the report carries besides the RIF and the latency, by ORCA name: the non-zero
   * fields ({@code cpu_utilization}, {@code mem_utilization}, {@code rps_fractional}, {@code eps})
   * and then the other named metrics under their own names (a named metric that repeats a field's
   * name is left out).
   */
  public Map<String, Double> metrics() {
    Map<String, Double> all = new LinkedHashMap<>();
    putNonZero(all, "cpu_utilization", cpuUtilization);
    putNonZero(all, "mem_utilization", memUtilization);
    putNonZero(all, "rps_fractional", rps);
    putNonZero(all, "eps", eps);
    namedMetrics.forEach(all::putIfAbsent);
    return Collections.unmodifiableMap(all);
  }

  private static void putNonZero(Map<String, Double> into, String name, double value) {
    if (value != 0) {
      into.put(name, value);
    }
  }

  /**
   * ORCA's other {@code named_metrics}, in the order received; the RIF and latency are not in it
   * (see {@link #requestsInFlight()} and {@link #latency()}).
   */
  public Map<String, Double> namedMetrics() {
    return namedMetrics;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ServerLoad that)) {
      return false;
    }
    return requestsInFlight == that.requestsInFlight
        && latencyNanos == that.latencyNanos
        && Double.compare(cpuUtilization, that.cpuUtilization) == 0
        && Double.compare(memUtilization, that.memUtilization) == 0
        && Double.compare(rps, that.rps) == 0
        && Double.compare(eps, that.eps) == 0
        && namedMetrics.equals(that.namedMetrics);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        requestsInFlight, latencyNanos, cpuUtilization, memUtilization, rps, eps, namedMetrics);
  }

  @Override
  public String toString() {
    return "ServerLoad{" + LoadMetricsHeader.format(this) + "}";
  }

  /** Builds a {@link ServerLoad}; values are checked as they are set. */
  public static final class Builder {
    private int requestsInFlight = -1;
    private long latencyNanos = -1;
    private double cpuUtilization;
    private double memUtilization;
    private double rps;
    private double eps;
    private final Map<String, Double> namedMetrics = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the requests in flight.
     *
     * @throws IllegalArgumentException if negative or above {@value #MAX_REQUESTS_IN_FLIGHT}
     */
    public Builder requestsInFlight(int rif) {
      if (rif < 0 || rif > MAX_REQUESTS_IN_FLIGHT) {
        throw new IllegalArgumentException(
            "requestsInFlight must be in [0, " + MAX_REQUESTS_IN_FLIGHT + "]: " + rif);
      }
      this.requestsInFlight = rif;
      return this;
    }

    /**
     * Sets the median recent latency.
     *
     * @throws IllegalArgumentException if negative or above one day
     */
    public Builder latencyNanos(long nanos) {
      if (nanos < 0 || nanos > MAX_LATENCY_NANOS) {
        throw new IllegalArgumentException(
            "latency must be in [0, " + MAX_LATENCY_NANOS + "] ns (one day): " + nanos + " ns");
      }
      this.latencyNanos = nanos;
      return this;
    }

    /** Sets ORCA's {@code cpu_utilization} (finite, at least 0; may exceed 1). */
    public Builder cpuUtilization(double value) {
      this.cpuUtilization = checkMetric("cpuUtilization", value);
      return this;
    }

    /** Sets ORCA's {@code mem_utilization} (finite, at least 0). */
    public Builder memUtilization(double value) {
      this.memUtilization = checkMetric("memUtilization", value);
      return this;
    }

    /** Sets ORCA's {@code rps_fractional} (finite, at least 0). */
    public Builder rps(double value) {
      this.rps = checkMetric("rps", value);
      return this;
    }

    /** Sets ORCA's {@code eps} (finite, at least 0). */
    public Builder eps(double value) {
      this.eps = checkMetric("eps", value);
      return this;
    }

    /**
     * Sets a named metric. {@value #RIF_METRIC} and {@value #LATENCY_METRIC} set the RIF (rounded)
     * and the latency (milliseconds) instead, clamped to {@value #MAX_REQUESTS_IN_FLIGHT} and one
     * day: a report read from the wire keeps an absurd value as the largest one allowed.
     *
     * @throws IllegalArgumentException if the name is empty or holds a character outside {@code
     *     [A-Za-z0-9_.-]} (the text header could not carry it), or the value is not finite or is
     *     negative
     */
    public Builder namedMetric(String name, double value) {
      Objects.requireNonNull(name, "name");
      checkName(name);
      checkMetric(name, value);
      if (name.equals(RIF_METRIC)) {
        return requestsInFlight((int) Math.min(MAX_REQUESTS_IN_FLIGHT, Math.round(value)));
      }
      if (name.equals(LATENCY_METRIC)) {
        return latencyNanos((long) Math.min(MAX_LATENCY_NANOS, value * 1e6));
      }
      namedMetrics.put(name, value);
      return this;
    }

    /** The report. */
    public ServerLoad build() {
      return new ServerLoad(this);
    }

    private static void checkName(String name) {
      if (name.isEmpty()) {
        throw new IllegalArgumentException("metric name must not be empty");
      }
      for (int i = 0; i < name.length(); i++) {
        char c = name.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '_'
                || c == '.'
                || c == '-';
        if (!ok) {
          throw new IllegalArgumentException(
              "metric name may hold only [A-Za-z0-9_.-]: \"" + name + "\"");
        }
      }
    }

    private static double checkMetric(String name, double value) {
      if (!(value >= 0) || Double.isInfinite(value)) {
        throw new IllegalArgumentException(name + " must be finite and >= 0: " + value);
      }
      return value;
    }
  }
}
