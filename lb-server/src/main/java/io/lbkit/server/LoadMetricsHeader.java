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

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The text form of a load report in an HTTP response header, as Envoy reads it: header {@value
 * #NAME}, value {@code TEXT cpu_utilization=0.3, rps_fractional=120, named_metrics.rif=3,
 * named_metrics.latency_ms=12.5}. The one formatter and the one parser of this form: lb-server's
 * HTTP filter writes it, lbkit's OkHttp adapter reads it.
 *
 * <p>Keys: {@code cpu_utilization}, {@code mem_utilization}, {@code rps_fractional}, {@code eps},
 * {@code application_utilization} (read, ignored) and {@code named_metrics.NAME}; the RIF and
 * latency travel as {@code named_metrics.}{@value ServerLoad#RIF_METRIC} and {@code
 * named_metrics.}{@value ServerLoad#LATENCY_METRIC}. Envoy's other forms ({@code JSON}, {@code
 * BIN}) are not read: {@link #parse} answers null for them.
 */
public final class LoadMetricsHeader {
  /** The response header's name. */
  public static final String NAME = "endpoint-load-metrics";

  private static final String PREFIX = "TEXT ";
  private static final String NAMED = "named_metrics.";

  private LoadMetricsHeader() {}

  /** The header value for a report, starting with {@code TEXT }. */
  public static String format(ServerLoad load) {
    Objects.requireNonNull(load, "load");
    StringBuilder sb = new StringBuilder(96).append(PREFIX);
    int start = sb.length();
    append(sb, start, "cpu_utilization", load.cpuUtilization());
    append(sb, start, "mem_utilization", load.memUtilization());
    append(sb, start, "rps_fractional", load.rps());
    append(sb, start, "eps", load.eps());
    int rif = load.requestsInFlightOrNegative();
    if (rif >= 0) {
      separate(sb, start).append(NAMED).append(ServerLoad.RIF_METRIC).append('=').append(rif);
    }
    long latency = load.latencyNanos();
    if (latency >= 0) {
      separate(sb, start)
          .append(NAMED)
          .append(ServerLoad.LATENCY_METRIC)
          .append('=')
          .append(latency / 1e6);
    }
    for (Map.Entry<String, Double> e : load.namedMetrics().entrySet()) {
      separate(sb, start).append(NAMED).append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.toString();
  }

  /**
   * Reads a header value. Lenient, because it reads what a remote server sent: an entry with an
   * unknown key, a bad number or a bad name is skipped rather than failing the response.
   *
   * @return the report, or null if the value is null or not in the {@code TEXT} form
   */
  public static @Nullable ServerLoad parse(@Nullable String value) {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    // A report with nothing in it is "TEXT " on the wire and "TEXT" once the space is trimmed.
    boolean text =
        v.regionMatches(true, 0, PREFIX, 0, PREFIX.length() - 1)
            && (v.length() == PREFIX.length() - 1 || v.charAt(PREFIX.length() - 1) == ' ');
    if (!text) {
      return null;
    }
    ServerLoad.Builder b = ServerLoad.builder();
    int i = PREFIX.length();
    while (i <= v.length()) {
      int comma = v.indexOf(',', i);
      int end = comma < 0 ? v.length() : comma;
      apply(b, v, i, end);
      i = end + 1;
    }
    return b.build();
  }

  private static void apply(ServerLoad.Builder b, String v, int from, int to) {
    int eq = v.indexOf('=', from);
    if (eq < 0 || eq >= to) {
      return;
    }
    String key = v.substring(from, eq).strip();
    double value;
    try {
      value = Double.parseDouble(v.substring(eq + 1, to).strip());
    } catch (NumberFormatException e) {
      return;
    }
    try {
      switch (key) {
        case "cpu_utilization" -> b.cpuUtilization(value);
        case "mem_utilization" -> b.memUtilization(value);
        case "rps_fractional" -> b.rps(value);
        case "eps" -> b.eps(value);
        default -> {
          if (key.startsWith(NAMED)) {
            b.namedMetric(key.substring(NAMED.length()), value);
          }
        }
      }
    } catch (IllegalArgumentException e) {
      // A negative, infinite or badly named metric from the server: skipped, see parse().
    }
  }

  private static void append(StringBuilder sb, int start, String key, double value) {
    if (value != 0) {
      separate(sb, start).append(key).append('=').append(value);
    }
  }

  private static StringBuilder separate(StringBuilder sb, int start) {
    return sb.length() == start ? sb : sb.append(", ");
  }
}
