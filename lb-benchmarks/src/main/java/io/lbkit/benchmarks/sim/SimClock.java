package io.lbkit.benchmarks.sim;

import com.google.common.base.Ticker;

/**
 * The simulation clock, handed to every simulated balancer as its ticker so that latencies, decay
 * and in-flight expiry all run on simulated time. Only the simulation loop advances it.
 */
final class SimClock extends Ticker {
  private long nowNanos;

  @Override
  public long read() {
    return nowNanos;
  }

  void advanceTo(long nanos) {
    // Events are processed in time order, so time never goes back; a violation is a simulator bug.
    if (nanos < nowNanos) {
      throw new IllegalStateException("time went back from " + nowNanos + " to " + nanos);
    }
    nowNanos = nanos;
  }
}
