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
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad health setting fails fast, where it is set, with an {@link IllegalArgumentException}
 * whose message names the setting and the bad value; the boundary values that are valid are
 * accepted.
 */
class HealthConfigValidationTest {
  private static final Duration W = Duration.ofSeconds(30);
  private static final HealthChecker ALWAYS_UP =
      (server, timeout) -> CompletableFuture.completedFuture(true);

  private static OutlierDetection.Builder od() {
    return OutlierDetection.builder();
  }

  private static ActiveHealthCheck.Builder hc() {
    return ActiveHealthCheck.builder(ALWAYS_UP);
  }

  private static Arguments bad(String setting, ThrowingCallable call, String... fragments) {
    return Arguments.of(setting, call, fragments);
  }

  static Stream<Arguments> badSettings() {
    Duration zero = Duration.ZERO;
    Duration negative = Duration.ofSeconds(-1);
    Duration subMillisecond = Duration.ofNanos(999_999);
    return Stream.of(
        // OutlierDetection: counts
        bad(
            "consecutiveFailures -1",
            () -> od().consecutiveFailures(-1),
            "consecutiveFailures",
            "-1"),
        bad(
            "consecutiveConnectFailures -1",
            () -> od().consecutiveConnectFailures(-1),
            "consecutiveConnectFailures",
            "-1"),
        bad("successRate stdevFactor 0", () -> od().successRate(0, 5, 100), "stdevFactor", "0"),
        bad("successRate stdevFactor -1", () -> od().successRate(-1, 5, 100), "stdevFactor", "-1"),
        bad(
            "successRate stdevFactor NaN",
            () -> od().successRate(Double.NaN, 5, 100),
            "stdevFactor",
            "NaN"),
        bad(
            "successRate stdevFactor Infinity",
            () -> od().successRate(Double.POSITIVE_INFINITY, 5, 100),
            "stdevFactor",
            "Infinity"),
        bad("successRate minimumHosts 0", () -> od().successRate(1.9, 0, 100), "minimumHosts", "0"),
        bad(
            "successRate minimumHosts -3",
            () -> od().successRate(1.9, -3, 100),
            "minimumHosts",
            "-3"),
        bad("successRate requestVolume 0", () -> od().successRate(1.9, 5, 0), "requestVolume", "0"),
        bad(
            "successRate requestVolume -1",
            () -> od().successRate(1.9, 5, -1),
            "requestVolume",
            "-1"),
        // OutlierDetection: percentages
        bad(
            "failurePercentage threshold 0",
            () -> od().failurePercentage(0, 5, 50),
            "failurePercentage threshold",
            "0"),
        bad(
            "failurePercentage threshold 101",
            () -> od().failurePercentage(101, 5, 50),
            "failurePercentage threshold",
            "101"),
        bad(
            "failurePercentage threshold -5",
            () -> od().failurePercentage(-5, 5, 50),
            "failurePercentage threshold",
            "-5"),
        bad(
            "failurePercentage minimumHosts 0",
            () -> od().failurePercentage(50, 0, 50),
            "failurePercentage minimumHosts",
            "0"),
        bad(
            "failurePercentage requestVolume 0",
            () -> od().failurePercentage(50, 5, 0),
            "failurePercentage requestVolume",
            "0"),
        bad("maxEjectionPercent -1", () -> od().maxEjectionPercent(-1), "maxEjectionPercent", "-1"),
        bad(
            "maxEjectionPercent 101",
            () -> od().maxEjectionPercent(101),
            "maxEjectionPercent",
            "101"),
        // OutlierDetection: durations
        bad("interval 0", () -> od().interval(zero), "interval", "PT0S"),
        bad("interval negative", () -> od().interval(negative), "interval", "PT-1S"),
        bad("interval under 1 ms", () -> od().interval(subMillisecond), "interval"),
        bad("baseEjectionTime 0", () -> od().baseEjectionTime(zero), "baseEjectionTime", "PT0S"),
        bad(
            "baseEjectionTime negative",
            () -> od().baseEjectionTime(negative),
            "baseEjectionTime",
            "PT-1S"),
        bad("maxEjectionTime 0", () -> od().maxEjectionTime(zero), "maxEjectionTime", "PT0S"),
        bad(
            "maxEjectionTime negative",
            () -> od().maxEjectionTime(negative),
            "maxEjectionTime",
            "PT-1S"),
        bad(
            "maxEjectionTime below baseEjectionTime",
            () ->
                od().baseEjectionTime(Duration.ofSeconds(30))
                    .maxEjectionTime(Duration.ofSeconds(10))
                    .build(),
            "maxEjectionTime",
            "baseEjectionTime",
            "PT10S",
            "PT30S"),
        bad(
            "maxEjectionTime below the default baseEjectionTime",
            () -> od().maxEjectionTime(Duration.ofSeconds(29)).build(),
            "maxEjectionTime",
            "baseEjectionTime"),
        // OutlierDetection: jitter
        bad("jitter -0.1", () -> od().jitter(-0.1), "jitter", "-0.1"),
        bad("jitter 1", () -> od().jitter(1.0), "jitter", "1.0"),
        bad("jitter 1.5", () -> od().jitter(1.5), "jitter", "1.5"),
        bad("jitter NaN", () -> od().jitter(Double.NaN), "jitter", "NaN"),
        // ActiveHealthCheck
        bad("health check interval 0", () -> hc().interval(zero), "interval", "PT0S"),
        bad("health check interval negative", () -> hc().interval(negative), "interval", "PT-1S"),
        bad("health check timeout 0", () -> hc().timeout(zero), "timeout", "PT0S"),
        bad("health check timeout negative", () -> hc().timeout(negative), "timeout", "PT-1S"),
        bad(
            "health check timeout longer than interval",
            () -> hc().interval(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(2)).build(),
            "timeout",
            "interval",
            "PT2S",
            "PT1S"),
        bad(
            "health check default timeout longer than interval",
            () -> hc().interval(Duration.ofMillis(500)).build(),
            "timeout",
            "interval"),
        bad("health check jitter negative", () -> hc().jitter(negative), "jitter", "PT-1S"),
        bad("healthyThreshold 0", () -> hc().healthyThreshold(0), "healthyThreshold", "0"),
        bad("healthyThreshold -1", () -> hc().healthyThreshold(-1), "healthyThreshold", "-1"),
        bad("unhealthyThreshold 0", () -> hc().unhealthyThreshold(0), "unhealthyThreshold", "0"),
        // SlowStart
        bad("slow start window 0", () -> SlowStart.of(zero), "window", "PT0S"),
        bad("slow start window negative", () -> SlowStart.of(negative), "window", "PT-1S"),
        bad("slow start window 0 (3 args)", () -> SlowStart.of(zero, 1, 10), "window"),
        bad("aggression 0", () -> SlowStart.of(W, 0, 10), "aggression", "0"),
        bad("aggression -1", () -> SlowStart.of(W, -1, 10), "aggression", "-1"),
        bad("aggression NaN", () -> SlowStart.of(W, Double.NaN, 10), "aggression", "NaN"),
        bad(
            "aggression Infinity",
            () -> SlowStart.of(W, Double.POSITIVE_INFINITY, 10),
            "aggression",
            "Infinity"),
        bad("minWeightPercent 0", () -> SlowStart.of(W, 1, 0), "minWeightPercent", "0"),
        bad("minWeightPercent -1", () -> SlowStart.of(W, 1, -1), "minWeightPercent", "-1"),
        bad("minWeightPercent 100.5", () -> SlowStart.of(W, 1, 100.5), "minWeightPercent", "100.5"),
        bad(
            "minWeightPercent NaN",
            () -> SlowStart.of(W, 1, Double.NaN),
            "minWeightPercent",
            "NaN"),
        // LoadBalancer
        bad(
            "panicThreshold 101",
            () -> LoadBalancer.builder().panicThreshold(101),
            "panicThreshold",
            "101"),
        bad(
            "panicThreshold -1",
            () -> LoadBalancer.builder().panicThreshold(-1),
            "panicThreshold",
            "-1"),
        bad(
            "panicThreshold NaN",
            () -> LoadBalancer.builder().panicThreshold(Double.NaN),
            "panicThreshold",
            "NaN"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badSettings")
  void badSettingIsRejectedNamingIt(String setting, ThrowingCallable call, String[] fragments) {
    assertThatThrownBy(call)
        .as(setting)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(fragments);
  }

  @Test
  void boundaryValuesAreAccepted() {
    assertThatCode(
            () ->
                od().consecutiveFailures(0)
                    .consecutiveConnectFailures(0)
                    .successRate(0.001, 1, 1)
                    .failurePercentage(1, 1, 1)
                    .failurePercentage(100, 1, 1)
                    .maxEjectionPercent(0)
                    .maxEjectionPercent(100)
                    .jitter(0)
                    .jitter(0.999)
                    .interval(Duration.ofMillis(1))
                    .baseEjectionTime(Duration.ofSeconds(5))
                    .maxEjectionTime(Duration.ofSeconds(5))
                    .build())
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                hc().interval(Duration.ofSeconds(1))
                    .timeout(Duration.ofSeconds(1))
                    .jitter(Duration.ZERO)
                    .healthyThreshold(1)
                    .unhealthyThreshold(1)
                    .build())
        .doesNotThrowAnyException();
    assertThatCode(() -> SlowStart.of(Duration.ofMillis(1), 0.01, 100)).doesNotThrowAnyException();
    assertThatCode(() -> SlowStart.of(W, 1000, 0.001)).doesNotThrowAnyException();
    assertThatCode(() -> LoadBalancer.builder().panicThreshold(0)).doesNotThrowAnyException();
    assertThatCode(() -> LoadBalancer.builder().panicThreshold(100)).doesNotThrowAnyException();
  }

  @Test
  void aRejectedSettingLeavesTheBuilderAsItWas() {
    OutlierDetection.Builder b = od().consecutiveFailures(7);
    assertThatThrownBy(() -> b.consecutiveFailures(-1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(b.build().consecutiveFailures).isEqualTo(7);
  }

  @Test
  void healthFeaturesCannotBeSetTwice() {
    LoadBalancerBuilder b =
        LoadBalancer.builder()
            .outlierDetection(OutlierDetection.defaults())
            .slowStart(SlowStart.of(W))
            .healthCheck(hc().build());
    assertThatThrownBy(() -> b.outlierDetection(OutlierDetection.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("outlierDetection");
    assertThatThrownBy(() -> b.slowStart(SlowStart.of(W)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("slowStart");
    assertThatThrownBy(() -> b.healthCheck(hc().build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("healthCheck");
  }
}
