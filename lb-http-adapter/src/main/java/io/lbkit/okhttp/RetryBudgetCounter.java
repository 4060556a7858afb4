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
package io.lbkit.okhttp;

import com.google.common.base.Ticker;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The live counters of one {@link RetryBudget}: requests and retries in a window divided into ten
 * slots.
 *
 * <p>Each slot is one {@code long} holding the slot's period number (high 32 bits) and its count
 * (low 32 bits), so that moving a slot to a new period and counting in it is a single
 * compare-and-set: no lock, and no count lost to a concurrent reset. A slot whose period is older
 * than the window counts as zero.
 *
 * <p>A retry is first counted and then checked against the allowance; if that overdraws the budget
 * it is uncounted and denied. Two threads racing for the last retry may therefore both be denied,
 * but every granted retry was within the allowance when it was granted, so the granted retries in a
 * window never exceed it.
 */
final class RetryBudgetCounter {
  private static final int SLOTS = 10;
  private static final long COUNT_MASK = 0xFFFF_FFFFL;

  private final RetryBudget budget;
  private final Ticker ticker;
  private final long origin;
  private final long slotNanos;
  private final AtomicLongArray requests = new AtomicLongArray(SLOTS);
  private final AtomicLongArray retries = new AtomicLongArray(SLOTS);

  RetryBudgetCounter(RetryBudget budget, Ticker ticker) {
    this.budget = budget;
    this.ticker = ticker;
    this.origin = ticker.read();
    this.slotNanos = Math.max(1, budget.windowNanos() / SLOTS);
  }

  /** Counts one request (not its retries). */
  void recordRequest() {
    add(requests, period(), 1);
  }

  /** Takes one retry from the budget if it allows one. */
  boolean tryRetry() {
    long p = period();
    add(retries, p, 1);
    if (sum(retries, p) <= budget.allowance(sum(requests, p))) {
      return true;
    }
    add(retries, p, -1);
    return false;
  }

  /** The retries granted in the current window (for tests and diagnostics). */
  long retriesInWindow() {
    return sum(retries, period());
  }

  /** The requests counted in the current window (for tests and diagnostics). */
  long requestsInWindow() {
    return sum(requests, period());
  }

  private long period() {
    // Periods count from the counter's creation, so they stay small and non-negative whatever the
    // ticker's origin; 2^32 periods of at least 100 ms is over 13 years.
    return Math.max(0, ticker.read() - origin) / slotNanos;
  }

  private static void add(AtomicLongArray slots, long period, int delta) {
    int i = (int) (period % SLOTS);
    long stamp = (period & COUNT_MASK) << 32;
    while (true) {
      long v = slots.get(i);
      long slotStamp = v & ~COUNT_MASK;
      long next;
      if (slotStamp == stamp) {
        next = v + delta;
      } else if (delta < 0 || Long.compareUnsigned(slotStamp, stamp) > 0) {
        // Undoing a count whose slot has moved on (it left the window with it), or counting for a
        // period that another thread has already moved past: nothing to do.
        return;
      } else {
        next = stamp | delta;
      }
      if (slots.compareAndSet(i, v, next)) {
        return;
      }
    }
  }

  private static long sum(AtomicLongArray slots, long period) {
    long total = 0;
    for (int i = 0; i < SLOTS; i++) {
      long v = slots.get(i);
      long slotPeriod = v >>> 32;
      long age = (period & COUNT_MASK) - slotPeriod;
      if (age >= 0 && age < SLOTS) {
        total += v & COUNT_MASK;
      }
    }
    return total;
  }
}
