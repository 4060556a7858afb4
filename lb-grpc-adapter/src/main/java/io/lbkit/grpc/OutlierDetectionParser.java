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

import static io.lbkit.grpc.JsonFields.bool;
import static io.lbkit.grpc.JsonFields.checkFields;
import static io.lbkit.grpc.JsonFields.duration;
import static io.lbkit.grpc.JsonFields.ifPresent;
import static io.lbkit.grpc.JsonFields.integer;
import static io.lbkit.grpc.JsonFields.number;
import static io.lbkit.grpc.JsonFields.object;

import com.google.common.collect.ImmutableSet;
import io.lbkit.core.OutlierDetection;
import java.util.Map;
import java.util.Set;

/**
 * Parses a policy config's {@code outlierDetection} object into lbkit's {@link OutlierDetection}.
 */
final class OutlierDetectionParser {
  private static final Set<String> OUTLIER_FIELDS =
      ImmutableSet.of(
          "consecutiveFailures",
          "consecutiveConnectFailures",
          "interval",
          "baseEjectionTime",
          "maxEjectionTime",
          "maxEjectionPercent",
          "jitter",
          "unejectOnPassingHealthCheck",
          "successRate",
          "failurePercentage");
  private static final Set<String> SUCCESS_RATE_FIELDS =
      ImmutableSet.of("enabled", "stdevFactor", "minimumHosts", "requestVolume");
  private static final Set<String> FAILURE_PERCENTAGE_FIELDS =
      ImmutableSet.of("threshold", "minimumHosts", "requestVolume");

  private OutlierDetectionParser() {}

  /**
   * Parses the {@code outlierDetection} object.
   *
   * @throws ConfigException naming the bad field
   */
  static OutlierDetection parse(Map<String, ?> od) {
    String p = "outlierDetection.";
    checkFields(od, p, OUTLIER_FIELDS);
    OutlierDetection.Builder b = OutlierDetection.builder();
    try {
      ifPresent(integer(od, "consecutiveFailures", p), b::consecutiveFailures);
      ifPresent(integer(od, "consecutiveConnectFailures", p), b::consecutiveConnectFailures);
      ifPresent(duration(od, "interval", p), b::interval);
      ifPresent(duration(od, "baseEjectionTime", p), b::baseEjectionTime);
      ifPresent(duration(od, "maxEjectionTime", p), b::maxEjectionTime);
      ifPresent(integer(od, "maxEjectionPercent", p), b::maxEjectionPercent);
      ifPresent(number(od, "jitter", p), b::jitter);
      ifPresent(bool(od, "unejectOnPassingHealthCheck", p), b::unejectOnPassingHealthCheck);
      Map<String, ?> sr = object(od, "successRate", p);
      if (sr != null) {
        successRate(b, sr, p + "successRate.");
      }
      Map<String, ?> fp = object(od, "failurePercentage", p);
      if (fp != null) {
        failurePercentage(b, fp, p + "failurePercentage.");
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      // lbkit's own range checks name the setting; say where it sits in the config.
      throw new ConfigException("outlierDetection: " + e.getMessage(), e);
    }
  }

  private static void successRate(OutlierDetection.Builder b, Map<String, ?> sr, String sp) {
    checkFields(sr, sp, SUCCESS_RATE_FIELDS);
    Boolean enabled = bool(sr, "enabled", sp);
    if (enabled != null && !enabled) {
      b.disableSuccessRate();
    } else {
      Double factor = number(sr, "stdevFactor", sp);
      Integer hosts = integer(sr, "minimumHosts", sp);
      Integer volume = integer(sr, "requestVolume", sp);
      b.successRate(
          factor == null ? 1.9 : factor, hosts == null ? 5 : hosts, volume == null ? 100 : volume);
    }
  }

  private static void failurePercentage(OutlierDetection.Builder b, Map<String, ?> fp, String fpp) {
    checkFields(fp, fpp, FAILURE_PERCENTAGE_FIELDS);
    Integer threshold = integer(fp, "threshold", fpp);
    if (threshold == null) {
      throw new ConfigException(fpp + "threshold is required", null);
    }
    Integer hosts = integer(fp, "minimumHosts", fpp);
    Integer volume = integer(fp, "requestVolume", fpp);
    b.failurePercentage(threshold, hosts == null ? 5 : hosts, volume == null ? 50 : volume);
  }
}
