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
import static io.lbkit.grpc.JsonFields.ifPresent;
import static io.lbkit.grpc.JsonFields.integer;
import static io.lbkit.grpc.JsonFields.number;

import com.google.common.collect.ImmutableSet;
import io.lbkit.core.ProbingConfig;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Parses a policy config's {@code probe} object: each probe's {@code timeout} (every policy), and
 * the probing selector's {@code probesPerRequest}, {@code maxProbeRatePerServer}, {@code
 * hotQuantile}, {@code poolSize}, {@code maxAge} and {@code maxReuse} ({@value
 * LbkitPolicies#PROBING} only): every setting of {@link ProbingConfig}.
 */
final class ProbeParser {
  private static final Set<String> PROBE_FIELDS =
      ImmutableSet.of(
          "timeout",
          "probesPerRequest",
          "maxProbeRatePerServer",
          "hotQuantile",
          "poolSize",
          "maxAge",
          "maxReuse");

  /** Each probe's deadline when the config gives none. */
  static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofMillis(100);

  private ProbeParser() {}

  /**
   * The probing selector with the settings in {@code probe}.
   *
   * @throws ConfigException naming the bad setting
   */
  static Supplier<Selector> probingSelector(Map<String, ?> probe) {
    ProbingConfig probing = probingConfig(probe);
    return () -> Selectors.probing(probing);
  }

  private static ProbingConfig probingConfig(Map<String, ?> probe) {
    String p = "probe.";
    ProbingConfig.Builder b = ProbingConfig.builder();
    try {
      ifPresent(number(probe, "probesPerRequest", p), b::probesPerRequest);
      ifPresent(number(probe, "maxProbeRatePerServer", p), b::maxProbeRatePerServer);
      ifPresent(number(probe, "hotQuantile", p), b::hotQuantile);
      ifPresent(integer(probe, "poolSize", p), b::poolSize);
      ifPresent(duration(probe, "maxAge", p), b::maxAge);
      ifPresent(integer(probe, "maxReuse", p), b::maxReuse);
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(p + e.getMessage(), e);
    }
  }

  /**
   * Refuses the probing selector's settings in the {@code probe} object of another policy.
   *
   * @throws ConfigException naming the first such setting
   */
  static void checkNoProbingSettings(Map<String, ?> probe) {
    for (String key : probe.keySet()) {
      if (!key.equals("timeout") && PROBE_FIELDS.contains(key)) {
        throw new ConfigException(
            "probe." + key + " is a setting of " + LbkitPolicies.PROBING + " only", null);
      }
    }
  }

  /**
   * Each probe's deadline: {@code timeout}, at most 60s, {@link #DEFAULT_PROBE_TIMEOUT} if absent.
   *
   * @throws ConfigException naming the bad field
   */
  static Duration timeout(Map<String, ?> probe) {
    String p = "probe.";
    checkFields(probe, p, PROBE_FIELDS);
    Duration timeout = duration(probe, "timeout", p);
    if (timeout == null) {
      return DEFAULT_PROBE_TIMEOUT;
    }
    if (timeout.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new ConfigException(p + "timeout must be at most 60s but was " + timeout, null);
    }
    return timeout;
  }
}
