package io.lbkit.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** The one validation of every duration setting, so all of them fail alike, naming the setting. */
final class Durations {
  /** The longest duration lbkit accepts: about 292 years, what fits in a long of nanoseconds. */
  private static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

  private Durations() {}

  /**
   * Checks a setting that must be at least one millisecond (and fit in a long of nanoseconds).
   *
   * @throws IllegalArgumentException naming the setting and the value otherwise
   */
  static Duration checkPositive(Duration d, String name) {
    requireNonNull(d, name);
    checkArgument(!d.isNegative() && !d.isZero(), "%s must be positive but was %s", name, d);
    // The upper bound first: toMillis() itself overflows for the longest durations.
    checkArgument(d.compareTo(MAX) <= 0, "%s must be at most %s but was %s", name, MAX, d);
    checkArgument(
        d.compareTo(Duration.ofMillis(1)) >= 0, "%s must be at least 1 ms but was %s", name, d);
    return d;
  }
}
