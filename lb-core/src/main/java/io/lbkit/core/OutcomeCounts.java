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

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * What passive outlier detection counts for one server: the failure streaks and the outcomes of a
 * sliding window of maintenance rotations. Kept apart from the pick path's statistics ({@link
 * ServerStats}, which holds one) so that the words every pick reads share fewer cache lines with
 * words only outcomes write.
 *
 * <p>Memory ordering: the streaks and the current window are written only by atomic adds, swaps and
 * volatile stores, and read with volatile reads: each report sees the count its own add made, so
 * exactly one reporter sees a streak reach a given length. The ring of past rotations belongs to
 * the maintenance (one rotation at a time), hence plain fields; a reset on another thread asks it
 * to clear the ring through a volatile flag.
 */
final class OutcomeCounts {
  private static final VarHandle CONSECUTIVE_FAILURES;
  private static final VarHandle CONSECUTIVE_CONNECT_FAILURES;
  private static final VarHandle WINDOW;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      CONSECUTIVE_FAILURES =
          lookup.findVarHandle(OutcomeCounts.class, "consecutiveFailures", int.class);
      CONSECUTIVE_CONNECT_FAILURES =
          lookup.findVarHandle(OutcomeCounts.class, "consecutiveConnectFailures", int.class);
      WINDOW = lookup.findVarHandle(OutcomeCounts.class, "window", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("UnusedVariable") // accessed through CONSECUTIVE_FAILURES
  private volatile int consecutiveFailures;

  @SuppressWarnings("UnusedVariable") // accessed through CONSECUTIVE_CONNECT_FAILURES
  private volatile int consecutiveConnectFailures;

  // Outcomes since the last window rotation, packed (failures:32 | successes:32) so that one
  // atomic add counts either and one getAndSet takes both consistently.
  @SuppressWarnings("UnusedVariable") // accessed through WINDOW
  private volatile long window;

  // The sliding window of past rotations, owned by the balancer's maintenance (which runs one at a
  // time), hence plain fields.
  private long @Nullable [] windowRing;
  private int windowRingPosition;

  // Set by reset() on any thread, consumed by the next rotation.
  private volatile boolean clearWindowRing;

  /**
   * Counts one outcome for outlier detection and returns the new streaks as this outcome left them,
   * packed (consecutive connect failures:32 | consecutive failures:32): both 0 after a success, and
   * 0 for a cancellation, which says nothing about the server and so can never complete a streak.
   * Each count comes from the atomic add that made it, so exactly one reporter sees a streak reach
   * a given length even when reports race.
   */
  long record(Outcome outcome) {
    if (outcome == Outcome.CANCELLED) {
      return 0;
    }
    if (outcome.isFailure()) {
      WINDOW.getAndAdd(this, 1L << 32);
      int connect = 0;
      if (outcome == Outcome.CONNECT_FAILURE || outcome == Outcome.TIMEOUT) {
        connect = (int) CONSECUTIVE_CONNECT_FAILURES.getAndAdd(this, 1) + 1;
      } else if ((int) CONSECUTIVE_CONNECT_FAILURES.getVolatile(this) != 0) {
        CONSECUTIVE_CONNECT_FAILURES.setVolatile(this, 0);
      }
      int failures = (int) CONSECUTIVE_FAILURES.getAndAdd(this, 1) + 1;
      return ((long) connect << 32) | (failures & 0xFFFF_FFFFL);
    }
    WINDOW.getAndAdd(this, 1L);
    // Read before writing: in the common all-success case the line stays shared, not dirtied.
    if ((int) CONSECUTIVE_FAILURES.getVolatile(this) != 0) {
      CONSECUTIVE_FAILURES.setVolatile(this, 0);
    }
    if ((int) CONSECUTIVE_CONNECT_FAILURES.getVolatile(this) != 0) {
      CONSECUTIVE_CONNECT_FAILURES.setVolatile(this, 0);
    }
    return 0;
  }

  int consecutiveFailures() {
    return (int) CONSECUTIVE_FAILURES.getVolatile(this);
  }

  int consecutiveConnectFailures() {
    return (int) CONSECUTIVE_CONNECT_FAILURES.getVolatile(this);
  }

  /**
   * Forgets failure streaks and the window, after an ejection. Any thread may call it; the ring
   * itself is cleared by the next rotation, which owns it.
   */
  void reset() {
    CONSECUTIVE_FAILURES.setVolatile(this, 0);
    CONSECUTIVE_CONNECT_FAILURES.setVolatile(this, 0);
    WINDOW.getAndSet(this, 0L);
    clearWindowRing = true;
  }

  /**
   * Moves the outcomes counted since the last call into the sliding window of {@code slots}
   * rotations and returns the window's totals, packed (failures:32 | successes:32). Maintenance
   * only.
   */
  long rotate(int slots) {
    long delta = (long) WINDOW.getAndSet(this, 0L);
    long[] ring = windowRing;
    if (clearWindowRing) {
      clearWindowRing = false;
      ring = null;
    }
    if (ring == null || ring.length != slots) {
      ring = new long[slots];
      windowRing = ring;
      windowRingPosition = 0;
    }
    ring[windowRingPosition] = delta;
    windowRingPosition = (windowRingPosition + 1) % slots;
    long successes = 0;
    long failures = 0;
    for (long v : ring) {
      successes += (int) v;
      failures += (int) (v >>> 32);
    }
    return (Math.min(failures, Integer.MAX_VALUE) << 32) | Math.min(successes, Integer.MAX_VALUE);
  }
}
