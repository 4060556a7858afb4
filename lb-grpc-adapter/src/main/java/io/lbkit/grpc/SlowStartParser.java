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
import io.lbkit.core.SlowStart;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** Parses a policy config's {@code slowStart} object into lbkit's {@link SlowStart}. */
final class SlowStartParser {
  private static final Set<String> SLOW_START_FIELDS =
      ImmutableSet.of("window", "aggression", "minWeightPercent");

  private SlowStartParser() {}

  /**
   * Parses the {@code slowStart} object; {@code window} is required.
   *
   * @throws ConfigException naming the bad field
   */
  static SlowStart parse(Map<String, ?> ss) {
    String p = "slowStart.";
    checkFields(ss, p, SLOW_START_FIELDS);
    Duration window = duration(ss, "window", p);
    if (window == null) {
      throw new ConfigException(p + "window is required", null);
    }
    Double aggression = number(ss, "aggression", p);
    Double minWeight = number(ss, "minWeightPercent", p);
    try {
      return SlowStart.of(
          window, aggression == null ? 1.0 : aggression, minWeight == null ? 10 : minWeight);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("slowStart: " + e.getMessage(), e);
    }
  }
}
