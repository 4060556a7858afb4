package io.lbkit.core;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * The pick counter of a rotating selector (round robin, weighted round robin), kept by the selector
 * so that the rotation carries on across snapshots. It starts at a random position, drawn from the
 * balancer's random source when the first picker is built, so that clients started together do not
 * all send their first requests to the same server, and so that a seeded source makes the whole
 * sequence reproducible.
 */
final class RotationCounter {
  private final AtomicLong counter = new AtomicLong();
  private final AtomicBoolean positioned = new AtomicBoolean();

  /**
   * The counter, moved to its random start first if no picker was built yet. Called when a picker
   * is built, off the pick path. The compare-and-set lets exactly one builder add the offset; a
   * pick cannot race with it, since picks need a picker and this is the first one.
   */
  AtomicLong positioned(RandomGenerator random) {
    if (!positioned.get() && positioned.compareAndSet(false, true)) {
      counter.addAndGet(random.nextInt(1 << 16));
    }
    return counter;
  }
}
