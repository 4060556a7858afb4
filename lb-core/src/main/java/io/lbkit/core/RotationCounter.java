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
