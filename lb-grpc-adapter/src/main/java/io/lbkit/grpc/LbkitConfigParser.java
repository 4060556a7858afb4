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
import static io.lbkit.grpc.JsonFields.describe;
import static io.lbkit.grpc.JsonFields.list;
import static io.lbkit.grpc.JsonFields.number;
import static io.lbkit.grpc.JsonFields.object;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Parses one lbkit policy's JSON object (see {@link LbkitConfig} for its fields): the top-level
 * fields here, each section ({@code outlierDetection}, {@code slowStart}, {@code healthCheck},
 * {@code latencyModel}, {@code probe}, the hash policies' settings) by its own parser.
 *
 * <p>Parsing throws only {@link ConfigException}, which reports the first bad field by its path
 * ({@code outlierDetection.baseEjectionTime}); the providers turn it into an error result.
 */
final class LbkitConfigParser {
  private static final Set<String> TOP_FIELDS =
      ImmutableSet.of(
          "failureStatusCodes",
          "outlierDetection",
          "slowStart",
          "healthCheck",
          "panicThreshold",
          "latencyModel",
          "probe");
  private static final Set<String> HASH_FIELDS =
      ImmutableSet.<String>builder().addAll(TOP_FIELDS).add("hashHeader").build();
  private static final Set<String> BOUNDED_LOAD_FIELDS =
      ImmutableSet.<String>builder().addAll(HASH_FIELDS).add("epsilon").build();

  private LbkitConfigParser() {}

  /**
   * Parses one policy's JSON object.
   *
   * @throws ConfigException naming the bad field
   */
  static LbkitConfig parse(String policyName, Supplier<Selector> selector, Map<String, ?> json) {
    return parse(policyName, selector, null, json);
  }

  /**
   * Parses the JSON object of a hash policy: the shared fields plus {@code hashHeader} (and {@code
   * epsilon} for bounded-load hashing).
   *
   * @throws ConfigException naming the bad field
   */
  static LbkitConfig parseHash(String policyName, HashKind kind, Map<String, ?> json) {
    return parse(policyName, null, requireNonNull(kind, "kind"), json);
  }

  /**
   * Parses the JSON object of any lbkit policy by its name, for validation.
   *
   * @throws ConfigException naming the bad field
   */
  static LbkitConfig parseAny(String policyName, Map<String, ?> json) {
    HashKind kind = HashKind.of(policyName);
    return kind != null
        ? parseHash(policyName, kind, json)
        : parse(policyName, () -> Selectors.byName("round_robin"), json);
  }

  private static LbkitConfig parse(
      String policyName,
      @Nullable Supplier<Selector> plainSelector,
      @Nullable HashKind hash,
      Map<String, ?> json) {
    requireNonNull(json, "json");
    checkFields(
        json,
        "",
        hash == null
            ? TOP_FIELDS
            : hash == HashKind.BOUNDED_LOAD_HASH ? BOUNDED_LOAD_FIELDS : HASH_FIELDS);
    Metadata.Key<String> hashHeader = null;
    Supplier<Selector> selector;
    if (hash == null) {
      selector = requireNonNull(plainSelector, "selector");
    } else {
      hashHeader = HashSelectorParser.hashHeader(json);
      selector = HashSelectorParser.selector(hash, json);
    }
    int failureCodes = LbkitConfig.DEFAULT_FAILURE_CODES;
    List<?> codes = list(json, "failureStatusCodes", "");
    if (codes != null) {
      failureCodes = parseCodes(codes);
    }
    Map<String, ?> od = object(json, "outlierDetection", "");
    Map<String, ?> ss = object(json, "slowStart", "");
    Map<String, ?> hc = object(json, "healthCheck", "");
    Map<String, ?> lm = object(json, "latencyModel", "");
    Map<String, ?> probe = object(json, "probe", "");
    Double panic = number(json, "panicThreshold", "");
    double panicThreshold = 50;
    if (panic != null) {
      if (!(panic >= 0 && panic <= 100)) {
        throw new ConfigException("panicThreshold must be in 0..100 but was " + panic, null);
      }
      panicThreshold = panic;
    }
    if (probe != null && policyName.equals(LbkitPolicies.PROBING)) {
      selector = ProbeParser.probingSelector(probe);
    } else if (probe != null) {
      ProbeParser.checkNoProbingSettings(probe);
    }
    return new LbkitConfig(
        policyName,
        selector,
        failureCodes,
        od == null ? null : OutlierDetectionParser.parse(od),
        ss == null ? null : SlowStartParser.parse(ss),
        hc == null ? null : HealthCheckParser.parse(hc),
        panicThreshold,
        lm == null ? null : LatencyModelParser.parse(lm),
        probe != null
            ? ProbeParser.timeout(probe)
            : policyName.equals(LbkitPolicies.PROBING) ? ProbeParser.DEFAULT_PROBE_TIMEOUT : null,
        hashHeader,
        ImmutableMap.copyOf(json));
  }

  private static int parseCodes(List<?> codes) {
    int mask = 0;
    for (int i = 0; i < codes.size(); i++) {
      Object o = codes.get(i);
      String path = "failureStatusCodes[" + i + "]";
      if (!(o instanceof String name)) {
        throw new ConfigException(
            path + " must be a status code name but was " + describe(o), null);
      }
      Status.Code code;
      try {
        code = Status.Code.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(path + ": unknown status code '" + o + "'", null);
      }
      if (code == Status.Code.OK) {
        throw new ConfigException(path + ": OK cannot count as a failure", null);
      }
      mask |= LbkitConfig.bit(code);
    }
    return mask;
  }
}
