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

import com.google.common.collect.ImmutableMap;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.core.ActiveHealthCheck;
import io.lbkit.core.HealthChecker;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.Selector;
import io.lbkit.core.SlowStart;
import java.time.Duration;
import java.util.function.Supplier;
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
 * {@code probesPerRequest}, {@code maxProbeRatePerServer}, {@code hotQuantile}, {@code poolSize},
 * {@code maxAge} and {@code maxReuse}.
 *
 * <p>The hash policies also take {@code hashHeader} (required: the metadata key whose value is the
 * hash key), and bounded-load hashing {@code epsilon} (greater than 0, 0.25 by default).
 *
 * <p>{@link LbkitConfigParser} parses it and reports the first bad field by its path ({@code
 * outlierDetection.baseEjectionTime}). Two configs are equal when their policy and JSON are equal,
 * which is how the balancer notices a changed configuration.
 */
final class LbkitConfig {
  /** gRPC codes counted as failures unless the config says otherwise. */
  static final int DEFAULT_FAILURE_CODES =
      bit(Status.Code.UNAVAILABLE)
          | bit(Status.Code.DEADLINE_EXCEEDED)
          | bit(Status.Code.RESOURCE_EXHAUSTED);

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

  LbkitConfig(
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

  /** The bit of {@code code} in a mask of failure codes. */
  static int bit(Status.Code code) {
    return 1 << code.value();
  }

  /** Whether a call that ended with this code counts against the server. */
  static boolean isFailure(int failureCodes, Status.Code code) {
    return (failureCodes & bit(code)) != 0;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LbkitConfig other
        && other.policyName.equals(policyName)
        && other.json.equals(json);
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
