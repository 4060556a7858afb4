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
package io.lbkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing of the policies' JSON configuration: good input, and bad input named by its field. */
class LbkitConfigTest {
  private static final LoadBalancerProvider PROVIDER =
      LoadBalancerRegistry.getDefaultRegistry().getProvider(LbkitPolicies.LEAST_CONNECTIONS);

  @Test
  void emptyConfigGivesDefaults() {
    LbkitConfig config = parse(Map.of());
    assertThat(config.failureCodes).isEqualTo(LbkitConfig.DEFAULT_FAILURE_CODES);
    assertThat(config.outlierDetection).isNull();
    assertThat(config.slowStart).isNull();
    assertThat(config.healthCheck).isNull();
    assertThat(config.panicThreshold).isEqualTo(50.0);
  }

  @Test
  void fullConfigIsParsed() {
    LbkitConfig config =
        parse(
            Map.of(
                "failureStatusCodes", List.of("INTERNAL", "unavailable"),
                "outlierDetection",
                    Map.of(
                        "consecutiveFailures",
                        3.0,
                        "baseEjectionTime",
                        "0.5s",
                        "maxEjectionTime",
                        "10s",
                        "maxEjectionPercent",
                        50.0,
                        "successRate",
                        Map.of("enabled", false),
                        "failurePercentage",
                        Map.of("threshold", 80.0),
                        "unejectOnPassingHealthCheck",
                        false),
                "slowStart", Map.of("window", "30s", "aggression", 2.0),
                "healthCheck", Map.of("serviceName", "orders", "interval", "5s", "timeout", "1s"),
                "panicThreshold", 0.0));
    assertThat(LbkitConfig.isFailure(config.failureCodes, Status.Code.INTERNAL)).isTrue();
    assertThat(LbkitConfig.isFailure(config.failureCodes, Status.Code.UNAVAILABLE)).isTrue();
    assertThat(LbkitConfig.isFailure(config.failureCodes, Status.Code.DEADLINE_EXCEEDED)).isFalse();
    assertThat(Objects.requireNonNull(config.outlierDetection).toString())
        .contains(
            "consecutiveFailures=3",
            "baseEjectionTime=PT0.5S",
            "maxEjectionPercent=50",
            "unejectOnPassingHealthCheck=false");
    assertThat(Objects.requireNonNull(config.slowStart).window()).isEqualTo(Duration.ofSeconds(30));
    LbkitConfig.HealthCheckConfig hc = Objects.requireNonNull(config.healthCheck);
    assertThat(hc.serviceName).isEqualTo("orders");
    assertThat(hc.interval).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.panicThreshold).isZero();
  }

  @Test
  void latencyModelAndZeroJitterAreAccepted() {
    LbkitConfig config =
        parse(
            Map.of(
                "latencyModel", Map.of("decay", "0.5s"),
                "healthCheck", Map.of("jitter", "0s")));
    LbkitConfig.LatencyModelConfig lm = Objects.requireNonNull(config.latencyModel);
    assertThat(lm.decay).isEqualTo(Duration.ofMillis(500));
    assertThat(lm.failureFactor).isEqualTo(2.0);
    assertThat(Objects.requireNonNull(config.healthCheck).jitter).isEqualTo(Duration.ZERO);
  }

  @Test
  void equalJsonGivesEqualConfigs() {
    Map<String, ?> json = Map.of("slowStart", Map.of("window", "30s"));
    assertThat(parse(json)).isEqualTo(parse(new HashMap<>(json)));
    assertThat(parse(json)).isNotEqualTo(parse(Map.of()));
  }

  static List<Object[]> badConfigs() {
    return List.of(
        new Object[] {Map.of("failureCodes", List.of()), "unknown field 'failureCodes'"},
        new Object[] {
          Map.of("outlierDetection", Map.of("consecutive", 3.0)),
          "unknown field 'outlierDetection.consecutive'"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("successRate", Map.of("stdev", 1.0))),
          "unknown field 'outlierDetection.successRate.stdev'"
        },
        new Object[] {
          Map.of("failureStatusCodes", "UNAVAILABLE"), "failureStatusCodes must be a list"
        },
        new Object[] {
          Map.of("failureStatusCodes", List.of("UNAVAILABLE", "NOPE")),
          "failureStatusCodes[1]: unknown status code 'NOPE'"
        },
        new Object[] {Map.of("failureStatusCodes", List.of(14.0)), "failureStatusCodes[0] must be"},
        new Object[] {Map.of("failureStatusCodes", List.of("OK")), "OK cannot count as a failure"},
        new Object[] {Map.of("outlierDetection", "yes"), "outlierDetection must be an object"},
        new Object[] {
          Map.of("outlierDetection", Map.of("consecutiveFailures", "5")),
          "outlierDetection.consecutiveFailures must be a number"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("consecutiveFailures", 2.5)),
          "outlierDetection.consecutiveFailures must be an integer"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("consecutiveFailures", -1.0)),
          "consecutiveFailures must be >= 0"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("maxEjectionPercent", 150.0)),
          "maxEjectionPercent must be in 0..100"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("baseEjectionTime", 30.0)),
          "outlierDetection.baseEjectionTime must be a duration"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("baseEjectionTime", "30")),
          "outlierDetection.baseEjectionTime must be a duration"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("baseEjectionTime", "0s")),
          "outlierDetection.baseEjectionTime must be positive"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("baseEjectionTime", "60s", "maxEjectionTime", "10s")),
          "maxEjectionTime"
        },
        new Object[] {
          Map.of("outlierDetection", Map.of("failurePercentage", Map.of())),
          "outlierDetection.failurePercentage.threshold is required"
        },
        new Object[] {Map.of("slowStart", Map.of()), "slowStart.window is required"},
        new Object[] {
          Map.of("slowStart", Map.of("window", "10s", "minWeightPercent", 0.0)), "minWeightPercent"
        },
        new Object[] {
          Map.of("healthCheck", Map.of("serviceName", 3.0)),
          "healthCheck.serviceName must be a string"
        },
        new Object[] {
          Map.of("healthCheck", Map.of("interval", "1s", "timeout", "5s")),
          "healthCheck: health check timeout"
        },
        new Object[] {
          Map.of("healthCheck", Map.of("healthyThreshold", 0.0)),
          "healthCheck.healthyThreshold must be >= 1"
        },
        new Object[] {Map.of("panicThreshold", 101.0), "panicThreshold must be in 0..100"},
        new Object[] {Map.of("latencyModel", Map.of("failureFactor", 0.5)), "latencyModel: "},
        new Object[] {
          Map.of("latencyModel", Map.of("halfLife", "1s")), "unknown field 'latencyModel.halfLife'"
        },
        new Object[] {
          Map.of("healthCheck", Map.of("jitter", "-1s")), "healthCheck.jitter must be positive"
        },
        new Object[] {Map.of("panicThreshold", true), "panicThreshold must be a number"},
        new Object[] {
          Map.of("outlierDetection", Map.of("unejectOnPassingHealthCheck", "no")),
          "outlierDetection.unejectOnPassingHealthCheck must be true or false but was"
        });
  }

  @ParameterizedTest
  @MethodSource("badConfigs")
  void badConfigIsAnErrorNamingTheField(Map<String, ?> json, String expected) {
    ConfigOrError result = PROVIDER.parseLoadBalancingPolicyConfig(json);
    assertThat(result.getConfig()).isNull();
    Status error = Objects.requireNonNull(result.getError());
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription())
        .startsWith("invalid " + LbkitPolicies.LEAST_CONNECTIONS + " config: ")
        .contains(expected);
  }

  @Test
  void nullValueIsAnErrorNotAThrow() {
    Map<String, Object> json = new HashMap<>();
    json.put("slowStart", null);
    ConfigOrError result = PROVIDER.parseLoadBalancingPolicyConfig(json);
    assertThat(Objects.requireNonNull(result.getError()).getDescription())
        .contains("slowStart must not be null");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1s", "0.5s", "0.001000001s", "300s"})
  void durationsInProtobufJsonFormatAreAccepted(String duration) {
    assertThat(
            PROVIDER
                .parseLoadBalancingPolicyConfig(Map.of("slowStart", Map.of("window", duration)))
                .getError())
        .isNull();
  }

  @Test
  void durationBelowTheSettingsRangeIsAnErrorNamingTheRange() {
    Status error =
        PROVIDER
            .parseLoadBalancingPolicyConfig(Map.of("slowStart", Map.of("window", "0.000000001s")))
            .getError();
    assertThat(Objects.requireNonNull(error).getDescription())
        .contains("slowStart")
        .contains("must be in [PT0.001S, PT24H] but was PT0.000000001S");
  }

  @Test
  void serviceConfigHelperValidatesAndNormalizesNumbers() {
    Map<String, ?> config =
        LbkitPolicies.serviceConfig(
            LbkitPolicies.ROUND_ROBIN,
            Map.of("outlierDetection", Map.of("consecutiveFailures", 3)));
    assertThat(config.toString())
        .isEqualTo(
            "{loadBalancingConfig=[{lbkit_round_robin={outlierDetection={consecutiveFailures=3.0}}}]}");
    assertThatThrownBy(
            () ->
                LbkitPolicies.serviceConfig(
                    LbkitPolicies.ROUND_ROBIN, Map.of("slowStart", Map.of("window", "x"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("slowStart.window");
    assertThatThrownBy(() -> LbkitPolicies.serviceConfig("round_robin"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown policy 'round_robin'");
  }

  private static LbkitConfig parse(Map<String, ?> json) {
    ConfigOrError result = PROVIDER.parseLoadBalancingPolicyConfig(json);
    assertThat(result.getError()).isNull();
    return (LbkitConfig) Objects.requireNonNull(result.getConfig());
  }
}
