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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.xds.shaded.com.github.xds.data.orca.v3.OrcaLoadReport;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The hand-written codec against the real {@code xds.data.orca.v3.OrcaLoadReport}. */
class OrcaLoadReportsTest {
  private final ServerLoad load =
      ServerLoad.builder()
          .cpuUtilization(0.5)
          .memUtilization(0.25)
          .rps(100.5)
          .eps(2)
          .requestsInFlight(7)
          .latencyNanos(12_000_000)
          .namedMetric("queue", 3)
          .build();

  @Test
  void encodesWhatTheRealMessageReads() throws Exception {
    OrcaLoadReport real = OrcaLoadReport.parseFrom(OrcaLoadReports.encode(load));
    assertThat(real.getCpuUtilization()).isEqualTo(0.5);
    assertThat(real.getMemUtilization()).isEqualTo(0.25);
    assertThat(real.getRpsFractional()).isEqualTo(100.5);
    assertThat(real.getEps()).isEqualTo(2.0);
    assertThat(real.getNamedMetricsMap())
        .containsEntry("rif", 7.0)
        .containsEntry("latency_ms", 12.0)
        .containsEntry("queue", 3.0)
        .hasSize(3);
    assertThat(real.getUnknownFields().asMap()).isEmpty();
  }

  @Test
  void decodesWhatTheRealMessageWrites() {
    OrcaLoadReport real =
        OrcaLoadReport.newBuilder()
            .setCpuUtilization(0.75)
            .setMemUtilization(0.5)
            .setRpsFractional(42)
            .setEps(1.5)
            .setApplicationUtilization(0.9)
            .putRequestCost("db", 3)
            .putUtilization("gpu", 0.4)
            .putNamedMetrics("rif", 11)
            .putNamedMetrics("latency_ms", 0.5)
            .putNamedMetrics("zero", 0)
            .build();
    ServerLoad decoded = OrcaLoadReports.decode(real.toByteArray());
    assertThat(decoded.cpuUtilization()).isEqualTo(0.75);
    assertThat(decoded.memUtilization()).isEqualTo(0.5);
    assertThat(decoded.rps()).isEqualTo(42.0);
    assertThat(decoded.eps()).isEqualTo(1.5);
    assertThat(decoded.requestsInFlight()).hasValue(11);
    assertThat(decoded.latency()).hasValue(Duration.ofNanos(500_000));
    assertThat(decoded.namedMetrics()).containsExactlyEntriesOf(java.util.Map.of("zero", 0.0));
  }

  @Test
  void readsTheDeprecatedIntegerRpsWhenAlone() {
    @SuppressWarnings("deprecation")
    OrcaLoadReport old = OrcaLoadReport.newBuilder().setRps(30).build();
    assertThat(OrcaLoadReports.decode(old.toByteArray()).rps()).isEqualTo(30.0);
  }

  @Test
  void roundTripsAndEmptyIsEmpty() {
    assertThat(OrcaLoadReports.decode(OrcaLoadReports.encode(load))).isEqualTo(load);
    assertThat(OrcaLoadReports.encode(ServerLoad.empty())).isEmpty();
    assertThat(OrcaLoadReports.decode(new byte[0])).isEqualTo(ServerLoad.empty());
  }

  @Test
  void skipsBadValuesFromTheServer() {
    OrcaLoadReport real =
        OrcaLoadReport.newBuilder()
            .setCpuUtilization(-1)
            .setEps(Double.NaN)
            .putNamedMetrics("rif", -3)
            .putNamedMetrics("bad name", 1)
            .putNamedMetrics("ok", 2)
            .build();
    ServerLoad decoded = OrcaLoadReports.decode(real.toByteArray());
    assertThat(decoded.cpuUtilization()).isZero();
    assertThat(decoded.eps()).isZero();
    assertThat(decoded.requestsInFlight()).isEmpty();
    assertThat(decoded.namedMetrics()).containsOnlyKeys("ok");
  }

  @Test
  @SuppressWarnings("NullAway") // the point: a null argument
  void rejectsMalformedBytes() {
    byte[] truncated = OrcaLoadReports.encode(load);
    byte[] cut = java.util.Arrays.copyOf(truncated, truncated.length - 3);
    assertThatThrownBy(() -> OrcaLoadReports.decode(cut))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OrcaLoadReport");
    assertThatThrownBy(() -> OrcaLoadReports.decode(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("bytes");
  }
}
