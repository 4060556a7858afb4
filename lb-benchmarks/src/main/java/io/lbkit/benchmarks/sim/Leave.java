package io.lbkit.benchmarks.sim;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A server that leaves and comes back, as a crashed and restarted process does: every client's
 * balancer removes it at {@code fromNanos} ({@link io.lbkit.core.LoadBalancer#removeServer}) and
 * adds it again at {@code toNanos}, with fresh statistics. Requests it already had are served. A
 * cold restart adds {@link SlowReplies} of the same server from {@code toNanos} on.
 *
 * @param server the server's index
 * @param fromNanos when it leaves
 * @param toNanos when it is back
 */
public record Leave(int server, long fromNanos, long toNanos) {
  /** Checks the arguments. */
  public Leave {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(fromNanos >= 0 && fromNanos < toNanos, "bad period %s to %s", fromNanos, toNanos);
  }
}
