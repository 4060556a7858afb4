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

import static com.google.common.base.Preconditions.checkArgument;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.Immutable;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Passive outlier detection: ejects a server for a while when the outcomes its picks report show it
 * failing, and brings it back by itself. The rules are Envoy's:
 *
 * <ul>
 *   <li><b>consecutive failures</b>: N failures in a row ({@link Outcome#isFailure()});
 *   <li><b>consecutive connect failures</b>: N {@link Outcome#CONNECT_FAILURE}s or {@link
 *       Outcome#TIMEOUT}s in a row (the server is unreachable, whatever else it answers);
 *   <li><b>success rate</b>: a server whose success rate over the sliding window is below the mean
 *       of the cluster by more than {@code stdevFactor} standard deviations (only when at least
 *       {@code minimumHosts} servers had {@code requestVolume} requests in the window);
 *   <li><b>failure percentage</b>: a server whose failure percentage over the window reaches a
 *       threshold (same volume conditions). Off by default, as in Envoy.
 * </ul>
 *
 * <p>An ejected server stays out for a time that grows exponentially with its recent ejections
 * (base time x 2^(n-1), computed with Resilience4j's {@code IntervalFunction}), spread by a random
 * jitter drawn from the balancer's random source (so a seeded {@link LoadBalancerBuilder#random}
 * reproduces ejection times too), and capped at the maximum. Each evaluation interval in which a
 * server is not ejected forgets one of its past ejections. At most {@code maxEjectionPercent} of
 * the servers are ejected at once, so that part of the cluster always stays in use: the percentage
 * of the balancer's servers rounded down, but always at least one server unless it is 0 (so 10% of
 * 5, 9 or 10 servers is one, of 25 servers two).
 *
 * <p>With {@linkplain LoadBalancerBuilder#healthCheck active health checks}, a passing check lifts
 * an ejection at once, as in Envoy ({@code successful_active_health_check_uneject_host}): the
 * checks see the server working again (a restarted process, say) before the ejection time is over.
 * A server still below the checks' healthy threshold after failing checks stays out. Turn this off
 * with {@link Builder#unejectOnPassingHealthCheck(boolean)} when the checks probe something weaker
 * than real traffic (a static {@code /health} page of a server whose requests fail): a passing
 * check would then end every ejection within one check interval.
 *
 * <pre>{@code
 * OutlierDetection detection = OutlierDetection.builder()
 *     .consecutiveFailures(5)
 *     .baseEjectionTime(Duration.ofSeconds(30))
 *     .maxEjectionPercent(20)
 *     .build();
 * LoadBalancer.builder().outlierDetection(detection)...
 * }</pre>
 *
 * @since 0.1.0
 */
@Immutable
public final class OutlierDetection {
  final int consecutiveFailures;
  final int consecutiveConnectFailures;
  final double successRateStdevFactor;
  final int successRateMinimumHosts;
  final int successRateRequestVolume;
  final int failurePercentageThreshold;
  final int failurePercentageMinimumHosts;
  final int failurePercentageRequestVolume;
  final long intervalNanos;
  final long baseEjectionNanos;
  final long maxEjectionNanos;
  final double jitter;
  final int maxEjectionPercent;
  final boolean unejectOnHealthCheck;

  // Resilience4j's randomized variant draws from Math.random(), which cannot be seeded: the jitter
  // is applied in ejectionNanos instead, from the balancer's generator.
  @SuppressWarnings("Immutable") // IntervalFunction is a pure function of its construction values
  private final IntervalFunction backoff;

  private OutlierDetection(Builder b) {
    this.consecutiveFailures = b.consecutiveFailures;
    this.consecutiveConnectFailures = b.consecutiveConnectFailures;
    this.successRateStdevFactor = b.successRateStdevFactor;
    this.successRateMinimumHosts = b.successRateMinimumHosts;
    this.successRateRequestVolume = b.successRateRequestVolume;
    this.failurePercentageThreshold = b.failurePercentageThreshold;
    this.failurePercentageMinimumHosts = b.failurePercentageMinimumHosts;
    this.failurePercentageRequestVolume = b.failurePercentageRequestVolume;
    this.intervalNanos = b.interval.toNanos();
    this.baseEjectionNanos = b.baseEjectionTime.toNanos();
    this.maxEjectionNanos = b.maxEjectionTime.toNanos();
    this.jitter = b.jitter;
    this.maxEjectionPercent = b.maxEjectionPercent;
    this.unejectOnHealthCheck = b.unejectOnHealthCheck;
    checkArgument(
        maxEjectionNanos >= baseEjectionNanos,
        "maxEjectionTime (%s) must not be shorter than baseEjectionTime (%s)",
        b.maxEjectionTime,
        b.baseEjectionTime);
    this.backoff =
        // Uncapped here: the jitter spreads the exponential time, and the cap applies after it, so
        // that every ejection from the one that first reaches the cap lasts exactly the cap.
        IntervalFunction.ofExponentialBackoff(b.baseEjectionTime, 2.0);
  }

  /** Envoy's defaults: 5 consecutive failures, success rate, 30 s base, 300 s max, 10%. */
  public static OutlierDetection defaults() {
    return builder().build();
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * How long the {@code ejectionNumber}-th recent ejection lasts: exponential, spread uniformly by
   * up to plus or minus the jitter fraction with a draw from {@code random}, then capped at the
   * maximum ejection time.
   */
  long ejectionNanos(int ejectionNumber, RandomGenerator random) {
    long millis = backoff.apply(Math.max(1, ejectionNumber));
    double spread = jitter == 0 ? 1.0 : 1.0 + jitter * (2 * random.nextDouble() - 1);
    // In double: a long exponential saturates at Long.MAX_VALUE milliseconds, which no long
    // nanosecond count holds; the cap brings it back.
    double nanos = millis * 1e6 * spread;
    return nanos >= maxEjectionNanos ? maxEjectionNanos : (long) nanos;
  }

  /** The evaluation interval, which is also the length of the sliding window. */
  public Duration interval() {
    return Duration.ofNanos(intervalNanos);
  }

  @Override
  public String toString() {
    return "OutlierDetection{consecutiveFailures="
        + consecutiveFailures
        + ", consecutiveConnectFailures="
        + consecutiveConnectFailures
        + ", successRateStdevFactor="
        + successRateStdevFactor
        + ", failurePercentageThreshold="
        + failurePercentageThreshold
        + ", interval="
        + interval()
        + ", baseEjectionTime="
        + Duration.ofNanos(baseEjectionNanos)
        + ", maxEjectionTime="
        + Duration.ofNanos(maxEjectionNanos)
        + ", maxEjectionPercent="
        + maxEjectionPercent
        + ", unejectOnPassingHealthCheck="
        + unejectOnHealthCheck
        + '}';
  }

  /** Builds an {@link OutlierDetection}; every setting is validated when set. */
  public static final class Builder {
    private int consecutiveFailures = 5;
    private int consecutiveConnectFailures = 5;
    private double successRateStdevFactor = 1.9;
    private int successRateMinimumHosts = 5;
    private int successRateRequestVolume = 100;
    private int failurePercentageThreshold = 0;
    private int failurePercentageMinimumHosts = 5;
    private int failurePercentageRequestVolume = 50;
    private Duration interval = Duration.ofSeconds(10);
    private Duration baseEjectionTime = Duration.ofSeconds(30);
    private Duration maxEjectionTime = Duration.ofMinutes(5);
    private double jitter = 0.1;
    private int maxEjectionPercent = 10;
    private boolean unejectOnHealthCheck = true;

    private Builder() {}

    /** Failures in a row that eject a server (5 by default); 0 turns the rule off. */
    @CanIgnoreReturnValue
    public Builder consecutiveFailures(int count) {
      checkArgument(count >= 0, "consecutiveFailures must be >= 0 but was %s", count);
      this.consecutiveFailures = count;
      return this;
    }

    /**
     * Connect failures or timeouts in a row that eject a server (5 by default); 0 turns the rule
     * off.
     */
    @CanIgnoreReturnValue
    public Builder consecutiveConnectFailures(int count) {
      checkArgument(count >= 0, "consecutiveConnectFailures must be >= 0 but was %s", count);
      this.consecutiveConnectFailures = count;
      return this;
    }

    /**
     * The success-rate rule: eject a server whose success rate is below the mean by more than
     * {@code stdevFactor} standard deviations, when at least {@code minimumHosts} servers had at
     * least {@code requestVolume} requests in the window. Defaults 1.9, 5, 100.
     */
    @CanIgnoreReturnValue
    public Builder successRate(double stdevFactor, int minimumHosts, int requestVolume) {
      checkArgument(
          stdevFactor > 0 && Double.isFinite(stdevFactor),
          "successRate stdevFactor must be a positive finite number but was %s",
          stdevFactor);
      checkArgument(
          minimumHosts >= 1, "successRate minimumHosts must be >= 1 but was %s", minimumHosts);
      checkArgument(
          requestVolume >= 1, "successRate requestVolume must be >= 1 but was %s", requestVolume);
      this.successRateStdevFactor = stdevFactor;
      this.successRateMinimumHosts = minimumHosts;
      this.successRateRequestVolume = requestVolume;
      return this;
    }

    /** Turns the success-rate rule off. */
    @CanIgnoreReturnValue
    public Builder disableSuccessRate() {
      this.successRateStdevFactor = 0;
      return this;
    }

    /**
     * The failure-percentage rule: eject a server whose failures reach {@code thresholdPercent} of
     * its requests in the window, when at least {@code minimumHosts} servers had at least {@code
     * requestVolume} requests. Off by default.
     */
    @CanIgnoreReturnValue
    public Builder failurePercentage(int thresholdPercent, int minimumHosts, int requestVolume) {
      checkArgument(
          thresholdPercent >= 1 && thresholdPercent <= 100,
          "failurePercentage threshold must be in 1..100 but was %s",
          thresholdPercent);
      checkArgument(
          minimumHosts >= 1,
          "failurePercentage minimumHosts must be >= 1 but was %s",
          minimumHosts);
      checkArgument(
          requestVolume >= 1,
          "failurePercentage requestVolume must be >= 1 but was %s",
          requestVolume);
      this.failurePercentageThreshold = thresholdPercent;
      this.failurePercentageMinimumHosts = minimumHosts;
      this.failurePercentageRequestVolume = requestVolume;
      return this;
    }

    /**
     * How often the rate rules are evaluated, over a window as long (10 s by default).
     *
     * @throws IllegalArgumentException naming the value if not in [1 ms, 1 day]
     */
    @CanIgnoreReturnValue
    public Builder interval(Duration interval) {
      this.interval = Durations.checkPositive(interval, "outlier detection interval");
      return this;
    }

    /**
     * The first ejection's length (30 s by default).
     *
     * @throws IllegalArgumentException naming the value if not in [1 ms, 1 day]
     */
    @CanIgnoreReturnValue
    public Builder baseEjectionTime(Duration time) {
      this.baseEjectionTime = Durations.checkPositive(time, "baseEjectionTime");
      return this;
    }

    /**
     * The cap on an ejection's length (300 s by default).
     *
     * @throws IllegalArgumentException naming the value if not in [1 ms, 1 day]
     */
    @CanIgnoreReturnValue
    public Builder maxEjectionTime(Duration time) {
      this.maxEjectionTime = Durations.checkPositive(time, "maxEjectionTime");
      return this;
    }

    /** The random jitter of ejection times, as a fraction in [0, 1) (0.1 by default). */
    @CanIgnoreReturnValue
    public Builder jitter(double fraction) {
      checkArgument(fraction >= 0 && fraction < 1, "jitter must be in [0, 1) but was %s", fraction);
      this.jitter = fraction;
      return this;
    }

    /**
     * The most servers ejected at once, in percent of the balancer's servers (10 by default),
     * rounded down, but at least one server unless this is 0: 10% of 5 or of 19 servers is one
     * server, of 20 servers two.
     */
    @CanIgnoreReturnValue
    public Builder maxEjectionPercent(int percent) {
      checkArgument(
          percent >= 0 && percent <= 100,
          "maxEjectionPercent must be in 0..100 but was %s",
          percent);
      this.maxEjectionPercent = percent;
      return this;
    }

    /**
     * Whether a passing active health check ends an ejection at once ({@code true} by default, as
     * Envoy's {@code successful_active_health_check_uneject_host}). Has no effect without {@link
     * LoadBalancerBuilder#healthCheck active health checks}.
     */
    @CanIgnoreReturnValue
    public Builder unejectOnPassingHealthCheck(boolean uneject) {
      this.unejectOnHealthCheck = uneject;
      return this;
    }

    /**
     * Returns the configuration.
     *
     * @throws IllegalArgumentException if the maximum ejection time is below the base
     */
    public OutlierDetection build() {
      return new OutlierDetection(this);
    }
  }
}
