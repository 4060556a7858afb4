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

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.core.ActiveHealthCheck;
import io.lbkit.core.HealthChecker;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.ProbingConfig;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import io.lbkit.core.SlowStart;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The parsed JSON configuration of one lbkit policy, as found in a service config's {@code
 * loadBalancingConfig}:
 *
 * <pre>{@code
 * {"lbkit_least_response_time": {
 *    "failureStatusCodes": ["UNAVAILABLE", "DEADLINE_EXCEEDED"],
 *    "outlierDetection": {"consecutiveFailures": 5, "baseEjectionTime": "30s",
 *                         "maxEjectionPercent": 20},
 *    "slowStart": {"window": "30s"},
 *    "healthCheck": {"serviceName": "", "interval": "10s", "timeout": "1s"},
 *    "panicThreshold": 50,
 *    "probe": {"timeout": "0.1s"}}}
 * }</pre>
 *
 * <p>{@code probe} turns on server-reported load: the balancer probes servers with lb-server's
 * probe method over their subchannels (for the probing selector) and reads the ORCA trailer of
 * every call. For {@code lbkit_probing} (where it is on by default) it also takes the selector's
 * {@code probesPerRequest}, {@code maxProbeRatePerServer} and {@code hotQuantile}.
 *
 * <p>The hash policies also take {@code hashHeader} (required: the metadata key whose value is the
 * hash key), and bounded-load hashing {@code epsilon} (greater than 0, 0.25 by default).
 *
 * <p>Parsing never throws: {@link #parse} reports the first bad field by its path ({@code
 * outlierDetection.baseEjectionTime}). Two configs are equal when their policy and JSON are equal,
 * which is how the balancer notices a changed configuration.
 */
final class LbkitConfig {
  /** gRPC codes counted as failures unless the config says otherwise. */
  static final int DEFAULT_FAILURE_CODES =
      bit(Status.Code.UNAVAILABLE)
          | bit(Status.Code.DEADLINE_EXCEEDED)
          | bit(Status.Code.RESOURCE_EXHAUSTED);

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
  private static final double DEFAULT_EPSILON = 0.25;
  // A gRPC metadata key: lowercase ASCII letters, digits, '-', '_' and '.'.
  private static final Pattern METADATA_KEY = Pattern.compile("[0-9a-z_.-]+");
  private static final Set<String> LATENCY_FIELDS =
      ImmutableSet.of("decay", "failureFactor", "failureFloor");
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
  private static final Set<String> SLOW_START_FIELDS =
      ImmutableSet.of("window", "aggression", "minWeightPercent");
  private static final Set<String> PROBE_FIELDS =
      ImmutableSet.of("timeout", "probesPerRequest", "maxProbeRatePerServer", "hotQuantile");
  static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofMillis(100);
  private static final Set<String> HEALTH_FIELDS =
      ImmutableSet.of(
          "serviceName", "interval", "timeout", "jitter", "healthyThreshold", "unhealthyThreshold");

  // Protobuf JSON duration: decimal seconds with an "s" suffix, at most nanosecond precision.
  private static final Pattern DURATION = Pattern.compile("-?[0-9]+(\\.[0-9]{1,9})?s");

  final String policyName;
  final Supplier<Selector> selector;
  final int failureCodes;
  final @Nullable OutlierDetection outlierDetection;
  final @Nullable SlowStart slowStart;
  final @Nullable HealthCheckConfig healthCheck;
  final double panicThreshold;
  final @Nullable LatencyModelConfig latencyModel;
  // Probing: each probe's deadline; null when the balancer neither probes nor reads trailers.
  final @Nullable Duration probeTimeout;
  // Hash policies only: the header whose value is the hash key.
  final Metadata.@Nullable Key<String> hashHeader;
  private final ImmutableMap<String, ?> json;

  private LbkitConfig(
      String policyName,
      Supplier<Selector> selector,
      int failureCodes,
      @Nullable OutlierDetection outlierDetection,
      @Nullable SlowStart slowStart,
      @Nullable HealthCheckConfig healthCheck,
      double panicThreshold,
      @Nullable LatencyModelConfig latencyModel,
      @Nullable Duration probeTimeout,
      Metadata.@Nullable Key<String> hashHeader,
      ImmutableMap<String, ?> json) {
    this.policyName = policyName;
    this.selector = selector;
    this.failureCodes = failureCodes;
    this.outlierDetection = outlierDetection;
    this.slowStart = slowStart;
    this.healthCheck = healthCheck;
    this.panicThreshold = panicThreshold;
    this.latencyModel = latencyModel;
    this.probeTimeout = probeTimeout;
    this.hashHeader = hashHeader;
    this.json = json;
  }

  /** The consistent-hashing selectors, which route by a request header. */
  enum HashKind {
    RING_HASH(LbkitPolicies.RING_HASH),
    MAGLEV(LbkitPolicies.MAGLEV),
    BOUNDED_LOAD_HASH(LbkitPolicies.BOUNDED_LOAD_HASH);

    final String policyName;

    HashKind(String policyName) {
      this.policyName = policyName;
    }

    /** The hash kind of a policy, or null for a policy that does not hash. */
    static @Nullable HashKind of(String policyName) {
      for (HashKind k : values()) {
        if (k.policyName.equals(policyName)) {
          return k;
        }
      }
      return null;
    }

    Supplier<Selector> selector(double epsilon) {
      switch (this) {
        case RING_HASH:
          return () -> Selectors.byName("ring_hash");
        case MAGLEV:
          return () -> Selectors.byName("maglev");
        case BOUNDED_LOAD_HASH:
          return () -> Selectors.boundedLoadHash(epsilon);
      }
      throw new AssertionError(this);
    }
  }

  /** The settings of the {@code latencyModel} object (peak EWMA), lbkit's defaults filled in. */
  static final class LatencyModelConfig {
    final Duration decay;
    final double failureFactor;
    final Duration failureFloor;

    LatencyModelConfig(Duration decay, double failureFactor, Duration failureFloor) {
      this.decay = decay;
      this.failureFactor = failureFactor;
      this.failureFloor = failureFloor;
    }
  }

  /** The settings of the {@code healthCheck} object. */
  static final class HealthCheckConfig {
    final String serviceName;
    final @Nullable Duration interval;
    final @Nullable Duration timeout;
    final @Nullable Duration jitter;
    final int healthyThreshold;
    final int unhealthyThreshold;

    HealthCheckConfig(
        String serviceName,
        @Nullable Duration interval,
        @Nullable Duration timeout,
        @Nullable Duration jitter,
        int healthyThreshold,
        int unhealthyThreshold) {
      this.serviceName = serviceName;
      this.interval = interval;
      this.timeout = timeout;
      this.jitter = jitter;
      this.healthyThreshold = healthyThreshold;
      this.unhealthyThreshold = unhealthyThreshold;
    }

    /** The lbkit active health check that runs {@code checker} with these settings. */
    ActiveHealthCheck toActiveHealthCheck(HealthChecker checker) {
      ActiveHealthCheck.Builder b = ActiveHealthCheck.builder(checker);
      if (interval != null) {
        b.interval(interval);
      }
      if (timeout != null) {
        b.timeout(timeout);
      }
      if (jitter != null) {
        b.jitter(jitter);
      }
      if (healthyThreshold > 0) {
        b.healthyThreshold(healthyThreshold);
      }
      if (unhealthyThreshold > 0) {
        b.unhealthyThreshold(unhealthyThreshold);
      }
      return b.build();
    }
  }

  /** A configuration error naming the bad field; never escapes {@link #parse}. */
  static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ConfigException(String message, @Nullable Throwable cause) {
      super(message, cause, false, false);
    }
  }

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
      hashHeader = parseHashHeader(json);
      double epsilon = DEFAULT_EPSILON;
      if (hash == HashKind.BOUNDED_LOAD_HASH) {
        Double e = number(json, "epsilon", "");
        if (e != null) {
          if (!(e > 0)) {
            throw new ConfigException("epsilon must be greater than 0 but was " + e, null);
          }
          epsilon = e;
        }
      }
      selector = hash.selector(epsilon);
    }
    int failureCodes = DEFAULT_FAILURE_CODES;
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
      ProbingConfig probing = parseProbing(probe);
      selector = () -> Selectors.probing(probing);
    } else if (probe != null) {
      for (String key : probe.keySet()) {
        if (!key.equals("timeout") && PROBE_FIELDS.contains(key)) {
          throw new ConfigException(
              "probe." + key + " is a setting of " + LbkitPolicies.PROBING + " only", null);
        }
      }
    }
    return new LbkitConfig(
        policyName,
        selector,
        failureCodes,
        od == null ? null : parseOutlier(od),
        ss == null ? null : parseSlowStart(ss),
        hc == null ? null : parseHealth(hc),
        panicThreshold,
        lm == null ? null : parseLatencyModel(lm),
        probe != null
            ? parseProbe(probe)
            : policyName.equals(LbkitPolicies.PROBING) ? DEFAULT_PROBE_TIMEOUT : null,
        hashHeader,
        ImmutableMap.copyOf(json));
  }

  private static Metadata.Key<String> parseHashHeader(Map<String, ?> json) {
    String name = string(json, "hashHeader", "");
    if (name == null) {
      throw new ConfigException(
          "hashHeader is required: the metadata key whose value is the hash key, such as"
              + " \"x-session-id\"",
          null);
    }
    if (!METADATA_KEY.matcher(name).matches()) {
      throw new ConfigException(
          "hashHeader must be a metadata key of lowercase ASCII letters, digits, '-', '_' and '.'"
              + " but was \""
              + name
              + "\"",
          null);
    }
    if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
      throw new ConfigException(
          "hashHeader must name a text header, not a binary one ending in \"-bin\", but was \""
              + name
              + "\"",
          null);
    }
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  /** Whether a call that ended with this code counts against the server. */
  static boolean isFailure(int failureCodes, Status.Code code) {
    return (failureCodes & bit(code)) != 0;
  }

  private static int bit(Status.Code code) {
    return 1 << code.value();
  }

  private static int parseCodes(List<?> codes) {
    int mask = 0;
    for (int i = 0; i < codes.size(); i++) {
      Object o = codes.get(i);
      String path = "failureStatusCodes[" + i + "]";
      if (!(o instanceof String)) {
        throw new ConfigException(
            path + " must be a status code name but was " + describe(o), null);
      }
      Status.Code code;
      try {
        code = Status.Code.valueOf(((String) o).toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(path + ": unknown status code '" + o + "'", null);
      }
      if (code == Status.Code.OK) {
        throw new ConfigException(path + ": OK cannot count as a failure", null);
      }
      mask |= bit(code);
    }
    return mask;
  }

  private static OutlierDetection parseOutlier(Map<String, ?> od) {
    String p = "outlierDetection.";
    checkFields(od, p, OUTLIER_FIELDS);
    OutlierDetection.Builder b = OutlierDetection.builder();
    try {
      Integer i = integer(od, "consecutiveFailures", p);
      if (i != null) {
        b.consecutiveFailures(i);
      }
      i = integer(od, "consecutiveConnectFailures", p);
      if (i != null) {
        b.consecutiveConnectFailures(i);
      }
      Duration d = duration(od, "interval", p);
      if (d != null) {
        b.interval(d);
      }
      d = duration(od, "baseEjectionTime", p);
      if (d != null) {
        b.baseEjectionTime(d);
      }
      d = duration(od, "maxEjectionTime", p);
      if (d != null) {
        b.maxEjectionTime(d);
      }
      i = integer(od, "maxEjectionPercent", p);
      if (i != null) {
        b.maxEjectionPercent(i);
      }
      Double x = number(od, "jitter", p);
      if (x != null) {
        b.jitter(x);
      }
      Boolean uneject = bool(od, "unejectOnPassingHealthCheck", p);
      if (uneject != null) {
        b.unejectOnPassingHealthCheck(uneject);
      }
      Map<String, ?> sr = object(od, "successRate", p);
      if (sr != null) {
        String sp = p + "successRate.";
        checkFields(sr, sp, SUCCESS_RATE_FIELDS);
        Boolean enabled = bool(sr, "enabled", sp);
        if (enabled != null && !enabled) {
          b.disableSuccessRate();
        } else {
          Double factor = number(sr, "stdevFactor", sp);
          Integer hosts = integer(sr, "minimumHosts", sp);
          Integer volume = integer(sr, "requestVolume", sp);
          b.successRate(
              factor == null ? 1.9 : factor,
              hosts == null ? 5 : hosts,
              volume == null ? 100 : volume);
        }
      }
      Map<String, ?> fp = object(od, "failurePercentage", p);
      if (fp != null) {
        String fpp = p + "failurePercentage.";
        checkFields(fp, fpp, FAILURE_PERCENTAGE_FIELDS);
        Integer threshold = integer(fp, "threshold", fpp);
        if (threshold == null) {
          throw new ConfigException(fpp + "threshold is required", null);
        }
        Integer hosts = integer(fp, "minimumHosts", fpp);
        Integer volume = integer(fp, "requestVolume", fpp);
        b.failurePercentage(threshold, hosts == null ? 5 : hosts, volume == null ? 50 : volume);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      // lbkit's own range checks name the setting; say where it sits in the config.
      throw new ConfigException("outlierDetection: " + e.getMessage(), e);
    }
  }

  private static SlowStart parseSlowStart(Map<String, ?> ss) {
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

  private static LatencyModelConfig parseLatencyModel(Map<String, ?> lm) {
    String p = "latencyModel.";
    checkFields(lm, p, LATENCY_FIELDS);
    Duration decay = duration(lm, "decay", p);
    Double factor = number(lm, "failureFactor", p);
    Duration floor = duration(lm, "failureFloor", p);
    LatencyModelConfig config =
        new LatencyModelConfig(
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

  /** The probing selector's settings in {@code probe} (lbkit_probing only). */
  private static ProbingConfig parseProbing(Map<String, ?> probe) {
    String p = "probe.";
    ProbingConfig.Builder b = ProbingConfig.builder();
    try {
      Double perRequest = number(probe, "probesPerRequest", p);
      if (perRequest != null) {
        b.probesPerRequest(perRequest);
      }
      Double rate = number(probe, "maxProbeRatePerServer", p);
      if (rate != null) {
        b.maxProbeRatePerServer(rate);
      }
      Double quantile = number(probe, "hotQuantile", p);
      if (quantile != null) {
        b.hotQuantile(quantile);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(p + e.getMessage(), e);
    }
  }

  private static Duration parseProbe(Map<String, ?> probe) {
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

  private static HealthCheckConfig parseHealth(Map<String, ?> hc) {
    String p = "healthCheck.";
    checkFields(hc, p, HEALTH_FIELDS);
    String service = string(hc, "serviceName", p);
    Integer healthy = integer(hc, "healthyThreshold", p);
    Integer unhealthy = integer(hc, "unhealthyThreshold", p);
    HealthCheckConfig config =
        new HealthCheckConfig(
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

  // ---------------------------------------------------------------------------------------------
  // Typed access to JSON values. JSON numbers arrive as Double; maps built by hand may hold other
  // Number types, which are accepted as long as their value fits.

  private static void checkFields(Map<String, ?> json, String path, Set<String> allowed) {
    for (String key : json.keySet()) {
      if (!allowed.contains(key)) {
        throw new ConfigException(
            "unknown field '" + path + key + "'; expected one of " + allowed, null);
      }
    }
  }

  private static @Nullable Object get(Map<String, ?> json, String key, String path) {
    Object o = json.get(key);
    if (o == null && json.containsKey(key)) {
      throw new ConfigException(path + key + " must not be null", null);
    }
    return o;
  }

  private static @Nullable Map<String, ?> object(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o == null) {
      return null;
    }
    if (!(o instanceof Map)) {
      throw new ConfigException(path + key + " must be an object but was " + describe(o), null);
    }
    for (Object k : ((Map<?, ?>) o).keySet()) {
      if (!(k instanceof String)) {
        throw new ConfigException(path + key + " has a non-string key " + describe(k), null);
      }
    }
    @SuppressWarnings("unchecked") // keys checked above
    Map<String, ?> map = (Map<String, ?>) o;
    return map;
  }

  private static @Nullable List<?> list(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o != null && !(o instanceof List)) {
      throw new ConfigException(path + key + " must be a list but was " + describe(o), null);
    }
    return (List<?>) o;
  }

  private static @Nullable String string(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o != null && !(o instanceof String)) {
      throw new ConfigException(path + key + " must be a string but was " + describe(o), null);
    }
    return (String) o;
  }

  private static @Nullable Boolean bool(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o != null && !(o instanceof Boolean)) {
      throw new ConfigException(path + key + " must be true or false but was " + describe(o), null);
    }
    return (Boolean) o;
  }

  private static @Nullable Double number(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o == null) {
      return null;
    }
    if (!(o instanceof Number)) {
      throw new ConfigException(path + key + " must be a number but was " + describe(o), null);
    }
    double d = ((Number) o).doubleValue();
    if (!Double.isFinite(d)) {
      throw new ConfigException(path + key + " must be a finite number but was " + d, null);
    }
    return d;
  }

  private static @Nullable Integer integer(Map<String, ?> json, String key, String path) {
    Double d = number(json, key, path);
    if (d == null) {
      return null;
    }
    if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
      throw new ConfigException(path + key + " must be an integer but was " + d, null);
    }
    return d.intValue();
  }

  private static @Nullable Duration duration(Map<String, ?> json, String key, String path) {
    return duration(json, key, path, false);
  }

  private static @Nullable Duration duration(
      Map<String, ?> json, String key, String path, boolean zeroAllowed) {
    Object o = get(json, key, path);
    if (o == null) {
      return null;
    }
    if (!(o instanceof String) || !DURATION.matcher((String) o).matches()) {
      throw new ConfigException(
          path + key + " must be a duration such as \"30s\" or \"0.5s\" but was " + describe(o),
          null);
    }
    String s = (String) o;
    BigDecimal seconds = new BigDecimal(s.substring(0, s.length() - 1));
    Duration d;
    try {
      d = Duration.ofNanos(seconds.movePointRight(9).longValueExact());
    } catch (ArithmeticException e) {
      throw new ConfigException(path + key + " is too long: " + s, e);
    }
    if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
      throw new ConfigException(path + key + " must be positive but was " + s, null);
    }
    return d;
  }

  private static String describe(@Nullable Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof String) {
      return "\"" + o + "\"";
    }
    if (o instanceof Map) {
      return "an object";
    }
    if (o instanceof List) {
      return "a list";
    }
    return String.valueOf(o);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LbkitConfig
        && ((LbkitConfig) o).policyName.equals(policyName)
        && ((LbkitConfig) o).json.equals(json);
  }

  @Override
  public int hashCode() {
    return policyName.hashCode() * 31 + json.hashCode();
  }

  @Override
  public String toString() {
    return policyName + json;
  }
}
