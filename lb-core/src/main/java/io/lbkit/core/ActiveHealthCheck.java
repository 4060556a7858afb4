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
import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.time.Duration;

/**
 * Active health checking: every server is checked on a schedule, off the pick path, and marked
 * {@link HealthState#UNHEALTHY} after {@code unhealthyThreshold} failed checks in a row and healthy
 * again after {@code healthyThreshold} passed checks in a row.
 *
 * <pre>{@code
 * ActiveHealthCheck check = ActiveHealthCheck.builder(HealthCheckers.http("/health"))
 *     .interval(Duration.ofSeconds(5))
 *     .timeout(Duration.ofSeconds(1))
 *     .build();
 * LoadBalancer.builder().healthCheck(check)...
 * }</pre>
 *
 * <p>Each check is delayed by the interval plus a random jitter (so that many clients do not check
 * in step), never more than one check per server is in flight, and checks stop when the server is
 * removed or the balancer is closed. A new server counts as healthy until its checks say otherwise.
 *
 * @since 0.1.0
 */
public final class ActiveHealthCheck {
  final HealthChecker checker;
  final long intervalNanos;
  final long timeoutNanos;
  final long jitterNanos;
  final int healthyThreshold;
  final int unhealthyThreshold;

  private ActiveHealthCheck(Builder b) {
    checkArgument(
        b.timeout.compareTo(b.interval) <= 0,
        "health check timeout (%s) must not be longer than its interval (%s)",
        b.timeout,
        b.interval);
    this.checker = b.checker;
    this.intervalNanos = b.interval.toNanos();
    this.timeoutNanos = b.timeout.toNanos();
    this.jitterNanos = b.jitter.toNanos();
    this.healthyThreshold = b.healthyThreshold;
    this.unhealthyThreshold = b.unhealthyThreshold;
  }

  /** A builder for checks made by this checker. */
  public static Builder builder(HealthChecker checker) {
    return new Builder(checker);
  }

  /** The time between the end of one check of a server and the start of the next. */
  public Duration interval() {
    return Duration.ofNanos(intervalNanos);
  }

  /** How long one check may take. */
  public Duration timeout() {
    return Duration.ofNanos(timeoutNanos);
  }

  @Override
  public String toString() {
    return "ActiveHealthCheck{interval="
        + interval()
        + ", timeout="
        + timeout()
        + ", jitter="
        + Duration.ofNanos(jitterNanos)
        + ", healthyThreshold="
        + healthyThreshold
        + ", unhealthyThreshold="
        + unhealthyThreshold
        + '}';
  }

  /** Builds an {@link ActiveHealthCheck}; every setting is validated when set. */
  public static final class Builder {
    private final HealthChecker checker;
    private Duration interval = Duration.ofSeconds(10);
    private Duration timeout = Duration.ofSeconds(1);
    private Duration jitter = Duration.ofSeconds(1);
    private int healthyThreshold = 2;
    private int unhealthyThreshold = 3;

    private Builder(HealthChecker checker) {
      this.checker = requireNonNull(checker, "checker");
    }

    /**
     * Time between checks of one server (10 s by default).
     *
     * @throws IllegalArgumentException naming the value if not in [1 ms, 1 day]
     */
    @CanIgnoreReturnValue
    public Builder interval(Duration interval) {
      this.interval = Durations.checkPositive(interval, "health check interval");
      return this;
    }

    /**
     * How long one check may take (1 s by default); must not exceed the interval.
     *
     * @throws IllegalArgumentException naming the value if not in [1 ms, 1 day]
     */
    @CanIgnoreReturnValue
    public Builder timeout(Duration timeout) {
      this.timeout = Durations.checkPositive(timeout, "health check timeout");
      return this;
    }

    /**
     * The most random delay added to each interval (1 s by default; zero turns it off).
     *
     * @throws IllegalArgumentException naming the value if not in [0, 1 day]
     */
    @CanIgnoreReturnValue
    public Builder jitter(Duration jitter) {
      this.jitter = Durations.checkNonNegative(jitter, "health check jitter");
      return this;
    }

    /** Passed checks in a row that make a failing server healthy again (2 by default). */
    @CanIgnoreReturnValue
    public Builder healthyThreshold(int count) {
      checkArgument(count >= 1, "healthyThreshold must be >= 1 but was %s", count);
      this.healthyThreshold = count;
      return this;
    }

    /** Failed checks in a row that make a server unhealthy (3 by default). */
    @CanIgnoreReturnValue
    public Builder unhealthyThreshold(int count) {
      checkArgument(count >= 1, "unhealthyThreshold must be >= 1 but was %s", count);
      this.unhealthyThreshold = count;
      return this;
    }

    /**
     * Returns the configuration.
     *
     * @throws IllegalArgumentException if the timeout is longer than the interval
     */
    public ActiveHealthCheck build() {
      return new ActiveHealthCheck(this);
    }
  }
}
