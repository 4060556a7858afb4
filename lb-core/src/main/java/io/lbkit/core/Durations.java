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

import java.time.Duration;

/**
 * The one validation of every duration setting, so that all of them fail alike, naming the setting
 * and the value, and none can overflow the nanosecond arithmetic behind it.
 *
 * <p>Every setting has a closed range. The lower bound is 1 ms for the settings that time something
 * (a 1 ns interval would spin the scheduler), 0 for those where nothing is a valid answer (jitter,
 * the failure floor). The upper bound is one day for most: nothing a balancer does is meaningful on
 * a longer scale, and it keeps every sum the balancer makes from it (an interval plus its jitter, a
 * start time plus a window) far from {@code Long.MAX_VALUE} nanoseconds.
 */
final class Durations {
  /** The shortest timed setting. */
  static final Duration MIN = Duration.ofMillis(1);

  /** The usual upper bound. */
  static final Duration ONE_DAY = Duration.ofDays(1);

  private Durations() {}

  /**
   * Checks a setting that must be in {@code [min, max]}; returns it.
   *
   * @throws NullPointerException naming the setting if it is null
   * @throws IllegalArgumentException naming the setting, the value and the range otherwise
   */
  static Duration check(Duration d, String setting, Duration min, Duration max) {
    requireNonNull(d, setting);
    // compareTo, not toNanos(): toNanos() itself throws ArithmeticException for the longest
    // durations, which is the overflow this class exists to turn into a typed error.
    checkArgument(
        d.compareTo(min) >= 0 && d.compareTo(max) <= 0,
        "%s must be in [%s, %s] but was %s",
        setting,
        min,
        max,
        d);
    return d;
  }

  /** Checks a timed setting: {@code [1 ms, 1 day]}. */
  static Duration checkPositive(Duration d, String setting) {
    return check(d, setting, MIN, ONE_DAY);
  }

  /** Checks a setting where zero means "none": {@code [0, 1 day]}. */
  static Duration checkNonNegative(Duration d, String setting) {
    return check(d, setting, Duration.ZERO, ONE_DAY);
  }
}
