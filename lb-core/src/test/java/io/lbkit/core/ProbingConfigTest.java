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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The probing SPI's values: load reports and the probing configuration reject bad input. */
class ProbingConfigTest {

  @Test
  void loadReportKeepsItsValues() {
    LoadReport r = LoadReport.of(12, 4_000_000L, Map.of("cpu_utilization", 0.5));
    assertThat(r.requestsInFlight()).isEqualTo(12);
    assertThat(r.latencyNanos()).isEqualTo(4_000_000L);
    assertThat(r.metric("cpu_utilization")).isEqualTo(0.5);
    assertThat(r.metric("mem")).isNull();
    assertThat(LoadReport.of(12, Duration.ofMillis(4)))
        .isEqualTo(LoadReport.of(12, 4_000_000L))
        .hasSameHashCodeAs(LoadReport.of(12, 4_000_000L));
    assertThat(r).hasToString("LoadReport{rif=12, latency=4000us, {cpu_utilization=0.5}}");
  }

  @Test
  @SuppressWarnings("NullAway") // the point: null arguments
  void loadReportRejectsBadValues() {
    assertThatThrownBy(() -> LoadReport.of(-1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requests in flight")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> LoadReport.of(LoadReport.MAX_REQUESTS_IN_FLIGHT + 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(LoadReport.MAX_REQUESTS_IN_FLIGHT + 1));
    assertThatThrownBy(() -> LoadReport.of(1, -5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-5");
    assertThatThrownBy(() -> LoadReport.of(1, Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(Long.MAX_VALUE));
    assertThatThrownBy(() -> LoadReport.of(1, Duration.ofDays(365 * 1000L)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("latency");
    assertThatThrownBy(() -> LoadReport.of(1, Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LoadReport.of(1, 0, Map.of(" ", 1.0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
    assertThatThrownBy(() -> LoadReport.of(1, 0, Map.of("cpu", Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpu")
        .hasMessageContaining("NaN");
    Map<String, Double> nullValue = new HashMap<>();
    nullValue.put("cpu", null);
    assertThatThrownBy(() -> LoadReport.of(1, 0, nullValue))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("cpu");
    assertThatThrownBy(() -> LoadReport.of(1, (Duration) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("latency");
  }

  @Test
  void configDefaultsAndSettings() {
    ProbingConfig d = ProbingConfig.defaults();
    // The values the simulator's sweep chose (see the constants): pinned, so that a change is made
    // on purpose, with the sweep re-run.
    assertThat(d.poolSize()).isEqualTo(8);
    assertThat(d.maxAge()).isEqualTo(Duration.ofSeconds(1));
    assertThat(d.probesPerRequest()).isEqualTo(3.0);
    assertThat(d.hotQuantile()).isEqualTo(0.7);
    ProbingConfig c =
        ProbingConfig.builder()
            .probesPerRequest(0.5)
            .poolSize(12)
            .maxAge(Duration.ofMillis(200))
            .hotQuantile(0.6)
            .maxProbeRatePerServer(10)
            .build();
    assertThat(c.probesPerRequest()).isEqualTo(0.5);
    assertThat(c.poolSize()).isEqualTo(12);
    assertThat(c.maxAge()).isEqualTo(Duration.ofMillis(200));
    assertThat(c.hotQuantile()).isEqualTo(0.6);
    assertThat(c.maxProbeRatePerServer()).isEqualTo(10);
    assertThat(c.minProbeIntervalNanos()).isEqualTo(100_000_000L);
  }

  @Test
  @SuppressWarnings("NullAway") // the point: null arguments
  void configRejectsBadValues() {
    assertThatThrownBy(() -> ProbingConfig.builder().probesPerRequest(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("probesPerRequest")
        .hasMessageContaining("0.0");
    assertThatThrownBy(() -> ProbingConfig.builder().probesPerRequest(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> ProbingConfig.builder().probesPerRequest(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Infinity");
    assertThatThrownBy(() -> ProbingConfig.builder().poolSize(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("poolSize")
        .hasMessageContaining("1");
    assertThatThrownBy(() -> ProbingConfig.builder().poolSize(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(Integer.MAX_VALUE));
    assertThatThrownBy(
            () -> ProbingConfig.builder().maxAge(Duration.ofDays(Long.MAX_VALUE / 86400)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAge");
    assertThatThrownBy(() -> ProbingConfig.builder().maxAge(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProbingConfig.builder().maxAge(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("maxAge");
    assertThatThrownBy(() -> ProbingConfig.builder().hotQuantile(1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hotQuantile");
    assertThatThrownBy(() -> ProbingConfig.builder().hotQuantile(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProbingConfig.builder().maxProbeRatePerServer(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxProbeRatePerServer");
    assertThatThrownBy(() -> ProbingConfig.builder().maxReuse(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxReuse")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> ProbingConfig.builder().maxReuse(Integer.MIN_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(Integer.MIN_VALUE));
    assertThatThrownBy(() -> ProbingConfig.builder().hotQuantile(0.5).hotQuantile(0.6))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set");
  }

  @Test
  @SuppressWarnings("NullAway") // the point: null arguments
  void builderRejectsASecondTransport() {
    ProbeTransport t = e -> new java.util.concurrent.CompletableFuture<>();
    LoadBalancerBuilder b = LoadBalancer.builder().probeTransport(t);
    assertThatThrownBy(() -> b.probeTransport(t))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set");
    assertThatThrownBy(() -> LoadBalancer.builder().probeTransport(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("transport");
  }
}
