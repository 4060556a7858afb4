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
package io.lbkit.okhttp;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.Immutable;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * How many retries a service may take: over a sliding window, at most {@code ratio} times the
 * requests sent in that window, plus a floor of {@code minRetriesPerSecond} per second of the
 * window. The rule of Finagle's {@code RetryBudget} (20% plus 10 per second over 10 s by default)
 * and in the spirit of Envoy's retry budgets: when a whole cluster fails, retries add at most
 * {@code ratio} to its load instead of multiplying it by the attempt count, while the floor still
 * lets a client with little traffic retry.
 *
 * <pre>{@code
 * RetryBudget.defaults();                          // 20% + 10/s over 10 s
 * RetryBudget.of(0.1, 5);                          // 10% + 5/s over 10 s
 * RetryBudget.of(0.1, 0, Duration.ofSeconds(30));  // 10% over 30 s, no floor
 * RetryBudget.none();                              // never retry
 * }</pre>
 *
 * <p>Each {@link LoadBalancingInterceptor} service keeps its own counters, so one failing service
 * does not spend another's budget. Requests count once, however many attempts they take; every
 * attempt after the first is a retry. The counters are lock-free (one compare-and-set per request
 * and per retry) and exact within a window; the window slides in tenths.
 *
 * @since 0.1.0
 */
@Immutable
public final class RetryBudget {
  private static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
  private static final RetryBudget DEFAULTS = new RetryBudget(0.2, 10, DEFAULT_WINDOW);
  private static final RetryBudget NONE = new RetryBudget(0, 0, DEFAULT_WINDOW);

  private final double ratio;
  private final int minRetriesPerSecond;
  private final long windowNanos;

  private RetryBudget(double ratio, int minRetriesPerSecond, Duration window) {
    checkArgument(
        ratio >= 0 && ratio <= 10 && !Double.isNaN(ratio),
        "retry ratio must be in 0..10 but was %s",
        ratio);
    checkArgument(
        minRetriesPerSecond >= 0,
        "minRetriesPerSecond must not be negative but was %s",
        minRetriesPerSecond);
    requireNonNull(window, "window");
    checkArgument(
        window.compareTo(Duration.ofSeconds(1)) >= 0 && window.compareTo(Duration.ofHours(1)) <= 0,
        "retry budget window must be between 1 s and 1 h but was %s",
        window);
    this.ratio = ratio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.windowNanos = window.toNanos();
  }

  /** 20% of the requests plus 10 retries per second, over 10 seconds (Finagle's defaults). */
  public static RetryBudget defaults() {
    return DEFAULTS;
  }

  /** No retries at all: every request gets one attempt. */
  public static RetryBudget none() {
    return NONE;
  }

  /**
   * A budget over a 10-second window.
   *
   * @param ratio the retries allowed per request, in 0..10 (0.2 = 20%)
   * @param minRetriesPerSecond the floor, allowed even without traffic; 0 for none
   * @throws IllegalArgumentException naming the value if one is out of range
   */
  public static RetryBudget of(double ratio, int minRetriesPerSecond) {
    return new RetryBudget(ratio, minRetriesPerSecond, DEFAULT_WINDOW);
  }

  /**
   * A budget over the given window.
   *
   * @throws IllegalArgumentException naming the value if one is out of range (the window must be
   *     between 1 second and 1 hour)
   */
  public static RetryBudget of(double ratio, int minRetriesPerSecond, Duration window) {
    return new RetryBudget(ratio, minRetriesPerSecond, window);
  }

  /** The retries allowed per request sent in the window. */
  public double ratio() {
    return ratio;
  }

  /** The retries allowed per second of the window regardless of traffic. */
  public int minRetriesPerSecond() {
    return minRetriesPerSecond;
  }

  /** The sliding window. */
  public Duration window() {
    return Duration.ofNanos(windowNanos);
  }

  long windowNanos() {
    return windowNanos;
  }

  /** The retries allowed in one window when {@code requests} requests were sent in it. */
  long allowance(long requests) {
    long floor = minRetriesPerSecond * windowNanos / TimeUnit.SECONDS.toNanos(1);
    return floor + (long) Math.floor(ratio * requests);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RetryBudget b
        && b.ratio == ratio
        && b.minRetriesPerSecond == minRetriesPerSecond
        && b.windowNanos == windowNanos;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(ratio) * 31 * 31 + minRetriesPerSecond * 31 + Long.hashCode(windowNanos);
  }

  @Override
  public String toString() {
    return "RetryBudget{ratio="
        + ratio
        + ", minRetriesPerSecond="
        + minRetriesPerSecond
        + ", window="
        + window()
        + '}';
  }
}
