package io.lbkit.benchmarks.sim;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A slow period of one server: from {@code fromNanos} (inclusive) to {@code toNanos} (exclusive) of
 * simulated time, requests that start service on the server take {@code multiplier} times their
 * base service time. Overlapping periods of one server multiply.
 *
 * @param server the server's index
 * @param fromNanos start of the period
 * @param toNanos end of the period
 * @param multiplier the factor, positive
 */
public record Slowdown(int server, long fromNanos, long toNanos, double multiplier) {
  /** Checks the arguments. */
  public Slowdown {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(fromNanos <= toNanos, "period ends before it starts");
    checkArgument(multiplier > 0 && Double.isFinite(multiplier), "bad multiplier %s", multiplier);
  }

  boolean covers(int index, long nowNanos) {
    return index == server && nowNanos >= fromNanos && nowNanos < toNanos;
  }
}
