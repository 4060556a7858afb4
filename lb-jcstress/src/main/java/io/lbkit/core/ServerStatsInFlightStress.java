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

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Races on {@link ServerStats}'s in-flight buckets: each bucket is one long packing (epoch:32 |
 * count:32) updated only by compare-and-set, and the first acquire of a newer epoch recycles the
 * bucket of the epoch two before it in the same CAS that counts it. These tests probe that no
 * increment is lost to a concurrent increment or to recycling, that a completion from an expired
 * epoch never decrements the newer epoch's count, and that the count never goes negative.
 */
public final class ServerStatsInFlightStress {
  private ServerStatsInFlightStress() {}

  /** An ordinary epoch; 7 and 9 share the odd bucket. */
  static final int E = 7;

  /**
   * Two picks acquire and release on the same epoch at once. Each sees itself counted (1 or 2)
   * while it is in flight, and when both are done the count is back to exactly zero: a lost
   * increment would leave -1 behind (clamped to a permanent undercount), a lost decrement 1.
   */
  @JCStressTest
  @Outcome(
      id = "[12], [12], 0",
      expect = ACCEPTABLE,
      desc = "each pick counted while in flight; back to zero after both complete")
  @Outcome(expect = FORBIDDEN, desc = "a lost update of the in-flight count")
  @State
  public static class AcquireRelease {
    private final ServerStats stats = new ServerStats();

    @Actor
    public void actor1(III_Result r) {
      stats.acquire(E);
      r.r1 = stats.inFlight(E);
      stats.release(E);
    }

    @Actor
    public void actor2(III_Result r) {
      stats.acquire(E);
      r.r2 = stats.inFlight(E);
      stats.release(E);
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r3 = stats.inFlight(E);
    }
  }

  /**
   * Two picks acquire on the same epoch at once and never complete: both are counted, in their own
   * epoch and the next (age 1), and neither once two epochs have passed (age 2).
   */
  @JCStressTest
  @Outcome(id = "2, 2, 0", expect = ACCEPTABLE, desc = "both counted; expired two epochs later")
  @Outcome(expect = FORBIDDEN, desc = "a lost increment, or a wrong expiry")
  @State
  public static class ConcurrentAcquire {
    private final ServerStats stats = new ServerStats();

    @Actor
    public void actor1() {
      stats.acquire(E);
    }

    @Actor
    public void actor2() {
      stats.acquire(E);
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r1 = stats.inFlight(E);
      r.r2 = stats.inFlight(E + 1);
      r.r3 = stats.inFlight(E + 2);
    }
  }

  /**
   * A pick of epoch e + 2 recycles the bucket while a pick of epoch e (a thread that read the clock
   * just before the epoch changed) acquires and releases in it. Whatever the order, the newer pick
   * is counted exactly once: the old pick's acquire either lands before the recycling (and its
   * count is discarded with the bucket) or finds the newer epoch and is not counted, and its
   * release never decrements the newer epoch. The old pick sees itself counted or not.
   */
  @JCStressTest
  @Outcome(
      id = "[01], 1, 1",
      expect = ACCEPTABLE,
      desc = "newer pick counted once, in its epoch and the next")
  @Outcome(expect = FORBIDDEN, desc = "the newer epoch lost its increment or gained the old one")
  @State
  public static class RecycleVsOldEpoch {
    private final ServerStats stats = new ServerStats();

    @Actor
    public void newer() {
      stats.acquire(E + 2);
    }

    @Actor
    public void older(III_Result r) {
      stats.acquire(E);
      r.r1 = stats.inFlight(E);
      stats.release(E);
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r2 = stats.inFlight(E + 2);
      r.r3 = stats.inFlight(E + 3);
    }
  }

  /**
   * The bucket holds five picks of epoch e; two picks of epoch e + 2 arrive at once and both try to
   * recycle it. One CAS replaces (e, 5) by (e + 2, 1); the loser must re-read and increment, never
   * overwrite: both newer picks are counted and none of the five expired ones.
   */
  @JCStressTest
  @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both recycling acquires counted")
  @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "one recycling CAS overwrote the other")
  @Outcome(expect = FORBIDDEN, desc = "expired picks leaked into the new epoch")
  @State
  public static class TwoRecyclers {
    private final ServerStats stats = new ServerStats();

    public TwoRecyclers() {
      for (int i = 0; i < 5; i++) {
        stats.acquire(E);
      }
    }

    @Actor
    public void actor1() {
      stats.acquire(E + 2);
    }

    @Actor
    public void actor2() {
      stats.acquire(E + 2);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r1 = stats.inFlight(E + 2);
      r.r2 = stats.inFlight(E + 4);
    }
  }

  /**
   * A late completion of a pick from epoch e races the recycling of its bucket by a pick of epoch e
   * + 2, which then completes too. The late release must either decrement its own epoch (before the
   * recycling) or do nothing: the newer pick sees itself counted exactly once, and the count ends
   * at zero, never negative.
   */
  @JCStressTest
  @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "newer pick counted once, then released")
  @Outcome(expect = FORBIDDEN, desc = "the stale release hit the newer epoch")
  @State
  public static class StaleReleaseVsRecycle {
    private final ServerStats stats = new ServerStats();

    public StaleReleaseVsRecycle() {
      stats.acquire(E);
    }

    @Actor
    public void stale() {
      stats.release(E);
    }

    @Actor
    public void newer(II_Result r) {
      stats.acquire(E + 2);
      r.r1 = stats.inFlight(E + 2);
      stats.release(E + 2);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r2 = stats.inFlight(E + 2);
    }
  }

  /**
   * The same recycling race across the 32-bit wrap of the epoch number: Integer.MAX_VALUE + 2 wraps
   * to Integer.MIN_VALUE + 1, which is still the newer epoch by signed difference and uses the same
   * (odd) bucket. A comparison by plain {@code >} would take the newer epoch for an expired one and
   * drop its pick.
   */
  @JCStressTest
  @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "newer epoch counted across the wrap")
  @Outcome(expect = FORBIDDEN, desc = "the wrap confused the epoch order")
  @State
  public static class RecycleAcrossWrap {
    private static final int OLD = Integer.MAX_VALUE;
    private static final int NEW = OLD + 2;
    private final ServerStats stats = new ServerStats();

    public RecycleAcrossWrap() {
      stats.acquire(OLD);
    }

    @Actor
    public void newer() {
      stats.acquire(NEW);
    }

    @Actor
    public void stale() {
      stats.release(OLD);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r1 = stats.inFlight(NEW);
      r.r2 = stats.inFlight(NEW + 2);
    }
  }
}
