package io.lbkit.benchmarks;

import java.util.function.IntFunction;

/**
 * One implementation under measurement in a peer benchmark: the call that JMH times and what
 * releases it afterwards.
 *
 * @param pick the measured call; its argument is a per-thread sequence number, which the keyed
 *     (consistent hash) implementations turn into the next of {@link PeerKeys#COUNT} request keys
 *     and every other implementation ignores
 * @param close releases threads or timers the implementation started; called once after the trial
 */
record Peer(IntFunction<Object> pick, AutoCloseable close) {

  /** A peer with nothing to release. */
  static Peer of(IntFunction<Object> pick) {
    return new Peer(pick, () -> {});
  }
}
