package io.lbkit.benchmarks.sim;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A few slow answers of one server: the first {@code count} requests whose service starts at or
 * after {@code fromNanos} take {@code latencyNanos} each instead of their drawn service time (one
 * slow reply after a GC pause, or the first calls a restarted process answers while it is still
 * cold). The server's other requests are served as usual.
 *
 * @param server the server's index
 * @param fromNanos from when
 * @param count how many replies are slow
 * @param latencyNanos how long each of them takes
 */
public record SlowReplies(int server, long fromNanos, int count, long latencyNanos) {
  /** Checks the arguments. */
  public SlowReplies {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(fromNanos >= 0, "start must be at least 0 but was %s", fromNanos);
    checkArgument(count >= 1, "count must be at least 1 but was %s", count);
    checkArgument(latencyNanos >= 0, "latency must be at least 0 but was %s", latencyNanos);
  }
}
