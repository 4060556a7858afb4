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

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadMetricsHeaderTest {
  @Test
  void formatsEnvoysTextForm() {
    ServerLoad load =
        ServerLoad.builder()
            .cpuUtilization(0.25)
            .rps(120)
            .requestsInFlight(3)
            .latencyNanos(12_500_000)
            .namedMetric("queue", 7)
            .build();
    assertThat(LoadMetricsHeader.format(load))
        .isEqualTo(
            "TEXT cpu_utilization=0.25, rps_fractional=120.0, named_metrics.rif=3,"
                + " named_metrics.latency_ms=12.5, named_metrics.queue=7.0");
  }

  @Test
  void parsesWhatItFormats() {
    ServerLoad load =
        ServerLoad.builder()
            .cpuUtilization(0.5)
            .memUtilization(0.75)
            .rps(10)
            .eps(1)
            .requestsInFlight(42)
            .latencyNanos(3_000_000)
            .namedMetric("x", 1.5)
            .build();
    assertThat(LoadMetricsHeader.parse(LoadMetricsHeader.format(load))).isEqualTo(load);
    assertThat(LoadMetricsHeader.parse(LoadMetricsHeader.format(ServerLoad.empty())))
        .isEqualTo(ServerLoad.empty());
    assertThat(LoadMetricsHeader.parse("TEXT")).isEqualTo(ServerLoad.empty());
  }

  @Test
  void parsesLenientlySkippingBadEntries() {
    ServerLoad load =
        requireNonNull(
            LoadMetricsHeader.parse(
                "text  named_metrics.rif=4 ,cpu_utilization=abc, eps=-1,"
                    + " named_metrics.bad name=1, unknown=3, noequals, named_metrics.latency_ms=2"));
    assertThat(load.requestsInFlight()).hasValue(4);
    assertThat(load.latency()).hasValue(Duration.ofMillis(2));
    assertThat(load.cpuUtilization()).isZero();
    assertThat(load.eps()).isZero();
    assertThat(load.namedMetrics()).isEmpty();
  }

  @Test
  void metricsUseOrcaNamesBesideTheRifAndLatency() {
    ServerLoad load =
        ServerLoad.builder()
            .cpuUtilization(0.5)
            .eps(2)
            .requestsInFlight(1)
            .namedMetric("queue", 4)
            .namedMetric("eps", 9)
            .build();
    assertThat(load.metrics())
        .containsExactly(
            java.util.Map.entry("cpu_utilization", 0.5),
            java.util.Map.entry("eps", 2.0),
            java.util.Map.entry("queue", 4.0));
  }

  @Test
  void otherFormsAreNotRead() {
    assertThat(LoadMetricsHeader.parse(null)).isNull();
    assertThat(LoadMetricsHeader.parse("JSON {\"cpu_utilization\": 0.3}")).isNull();
    assertThat(LoadMetricsHeader.parse("BIN AAAA")).isNull();
    assertThat(LoadMetricsHeader.parse("TEXTcpu_utilization=1")).isNull();
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> ServerLoad.builder().requestsInFlight(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> ServerLoad.builder().latencyNanos(-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-5");
    assertThatThrownBy(() -> ServerLoad.builder().cpuUtilization(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpuUtilization")
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> ServerLoad.builder().rps(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Infinity");
    assertThatThrownBy(() -> ServerLoad.builder().namedMetric("a,b", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"a,b\"");
    assertThatThrownBy(() -> ServerLoad.builder().namedMetric("", 1))
        .isInstanceOf(IllegalArgumentException.class);
    // Absurd but finite values clamp rather than overflow.
    assertThat(ServerLoad.builder().namedMetric("rif", 1e300).build().requestsInFlight())
        .hasValue(ServerLoad.MAX_REQUESTS_IN_FLIGHT);
    assertThat(ServerLoad.builder().namedMetric("latency_ms", 1e300).build().latencyNanos())
        .isEqualTo(ServerLoad.MAX_LATENCY_NANOS);
    assertThatThrownBy(() -> ServerLoad.builder().requestsInFlight(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(Integer.MAX_VALUE));
    assertThatThrownBy(() -> ServerLoad.builder().latencyNanos(Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(Long.MAX_VALUE));
  }
}
