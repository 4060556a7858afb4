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
import static io.lbkit.grpc.JsonFields.number;

import com.google.common.collect.ImmutableSet;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** Parses a policy config's {@code latencyModel} object (peak EWMA), lbkit's defaults filled in. */
final class LatencyModelParser {
  private static final Set<String> LATENCY_FIELDS =
      ImmutableSet.of("decay", "failureFactor", "failureFloor");

  private LatencyModelParser() {}

  /**
   * Parses the {@code latencyModel} object.
   *
   * @throws ConfigException naming the bad field
   */
  static LbkitConfig.LatencyModelConfig parse(Map<String, ?> lm) {
    String p = "latencyModel.";
    checkFields(lm, p, LATENCY_FIELDS);
    Duration decay = duration(lm, "decay", p);
    Double factor = number(lm, "failureFactor", p);
    Duration floor = duration(lm, "failureFloor", p);
    LbkitConfig.LatencyModelConfig config =
        new LbkitConfig.LatencyModelConfig(
            decay == null ? Duration.ofSeconds(10) : decay,
            factor == null ? 2.0 : factor,
            floor == null ? Duration.ofMillis(10) : floor);
    try {
      // Validates the combination with lbkit's own checks.
      io.lbkit.core.LoadBalancer.builder()
          .latencyModel(config.decay, config.failureFactor, config.failureFloor);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("latencyModel: " + e.getMessage(), e);
    }
    return config;
  }
}
