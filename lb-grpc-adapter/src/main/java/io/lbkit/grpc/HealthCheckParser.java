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

import static io.lbkit.grpc.JsonFields.checkFields;
import static io.lbkit.grpc.JsonFields.duration;
import static io.lbkit.grpc.JsonFields.integer;
import static io.lbkit.grpc.JsonFields.string;

import com.google.common.collect.ImmutableSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Parses a policy config's {@code healthCheck} object. */
final class HealthCheckParser {
  private static final Set<String> HEALTH_FIELDS =
      ImmutableSet.of(
          "serviceName", "interval", "timeout", "jitter", "healthyThreshold", "unhealthyThreshold");

  private HealthCheckParser() {}

  /**
   * Parses the {@code healthCheck} object, validating it with lbkit's active health check's own
   * checks.
   *
   * @throws ConfigException naming the bad field
   */
  static LbkitConfig.HealthCheckConfig parse(Map<String, ?> hc) {
    String p = "healthCheck.";
    checkFields(hc, p, HEALTH_FIELDS);
    String service = string(hc, "serviceName", p);
    Integer healthy = integer(hc, "healthyThreshold", p);
    Integer unhealthy = integer(hc, "unhealthyThreshold", p);
    LbkitConfig.HealthCheckConfig config =
        new LbkitConfig.HealthCheckConfig(
            service == null ? "" : service,
            duration(hc, "interval", p),
            duration(hc, "timeout", p),
            duration(hc, "jitter", p, true),
            healthy == null ? 0 : healthy,
            unhealthy == null ? 0 : unhealthy);
    if (healthy != null && healthy < 1) {
      throw new ConfigException(p + "healthyThreshold must be >= 1 but was " + healthy, null);
    }
    if (unhealthy != null && unhealthy < 1) {
      throw new ConfigException(p + "unhealthyThreshold must be >= 1 but was " + unhealthy, null);
    }
    try {
      // Validates intervals, timeouts and their relation now rather than when the channel starts.
      config.toActiveHealthCheck((server, timeout) -> CompletableFuture.completedFuture(true));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("healthCheck: " + e.getMessage(), e);
    }
    return config;
  }
}
