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
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Races on {@link ServerStats}'s count of requests awaiting their first response: in-flight minus
 * the starts counted in a second pair of buckets with the same epochs. The two are separate words,
 * so a reader can see one before and the other after an update; these tests probe that a racing
 * completion can only over-state the count for an instant, never hide an awaited request, that no
 * start is lost to a concurrent one, and that starts expire with their picks.
 */
public final class ServerStatsAwaitingStress {
  private ServerStatsAwaitingStress() {}

  /** An ordinary epoch; 7 and 9 share the odd buckets. */
  static final int E = 7;

  /**
   * Two picks of epoch E are in flight and A's response has started, so one request (B) is awaited.
   * A completes (its start taken back, then its slot released) while another thread reads the
   * awaiting count. The reader sees 1, or 2 for an instant between A's two updates (an
   * over-statement by one, harmless); it must never see 0, which would hide B while B is awaited:
   * that is what releasing before taking the start back would allow. Afterwards: B alone, awaited.
   */
  @JCStressTest
  @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "B awaited throughout")
  @Outcome(
      id = "2, 1, 1",
      expect = ACCEPTABLE_INTERESTING,
      desc = "read between A's unstart and release: over-stated by one for an instant")
  @Outcome(expect = FORBIDDEN, desc = "B hidden while awaited, or a lost or leaked count")
  @State
  public static class CompleteStartedWhileReading {
    private final ServerStats stats = new ServerStats();

    {
      stats.acquire(E); // A
      stats.acquire(E); // B
      stats.start(E); // A's response started
    }

    @Actor
    public void completeA() {
      stats.unstart(E);
      stats.release(E);
    }

    @Actor
    public void read(III_Result r) {
      r.r1 = stats.awaiting(E);
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r2 = stats.inFlight(E);
      r.r3 = stats.awaiting(E);
    }
  }

  /**
   * Two picks of epoch E start their responses at once: both starts count (neither pick is awaited
   * then), and both starts expire with the picks two epochs later, when a start of epoch E + 2
   * recycles the bucket and counts alone.
   */
  @JCStressTest
  @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "both starts counted; recycled alone later")
  @Outcome(expect = FORBIDDEN, desc = "a lost start, or a wrong expiry")
  @State
  public static class ConcurrentStarts {
    private final ServerStats stats = new ServerStats();

    {
      stats.acquire(E);
      stats.acquire(E);
    }

    @Actor
    public void actor1() {
      stats.start(E);
    }

    @Actor
    public void actor2() {
      stats.start(E);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r1 = stats.awaiting(E);
      stats.start(E + 2);
      r.r2 = stats.started(E + 2);
    }
  }

  /**
   * A late start of an expired pick (epoch E - 2, same bucket) races a start of epoch E: the late
   * one is not counted, so exactly one start counts for E and the picks of E stay correct.
   */
  @JCStressTest
  @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "only the live start counted")
  @Outcome(expect = FORBIDDEN, desc = "the expired start was counted or the live one lost")
  @State
  public static class ExpiredStartRacesLiveOne {
    private final ServerStats stats = new ServerStats();

    {
      stats.acquire(E);
      stats.acquire(E);
      stats.start(E); // the bucket holds epoch E, so E - 2 has expired
      stats.unstart(E);
    }

    @Actor
    public void late() {
      stats.start(E - 2);
    }

    @Actor
    public void live() {
      stats.start(E);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r1 = stats.started(E);
      r.r2 = stats.awaiting(E);
    }
  }

  /**
   * The response-start pair is recycled by the same code as the in-flight pair: five starts of
   * epoch E are counted; two starts of epoch E + 2 arrive at once and both try to recycle the
   * bucket. The CAS that loses must re-read and increment, never overwrite: both newer starts count
   * and none of the five expired ones.
   */
  @JCStressTest
  @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both recycling starts counted")
  @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "one recycling CAS overwrote the other")
  @Outcome(expect = FORBIDDEN, desc = "expired starts leaked into the new epoch")
  @State
  public static class TwoStartRecyclers {
    private final ServerStats stats = new ServerStats();

    public TwoStartRecyclers() {
      for (int i = 0; i < 5; i++) {
        stats.start(E);
      }
    }

    @Actor
    public void actor1() {
      stats.start(E + 2);
    }

    @Actor
    public void actor2() {
      stats.start(E + 2);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r1 = stats.started(E + 2);
      r.r2 = stats.started(E + 4);
    }
  }

  /**
   * A late completion takes back a start of epoch E while a pick of epoch E + 2 recycles the bucket
   * with its own start and takes it back. The late unstart must hit its own epoch or nothing: the
   * newer start sees itself counted once, and the count ends at zero.
   */
  @JCStressTest
  @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "newer start counted once, then taken back")
  @Outcome(expect = FORBIDDEN, desc = "the stale unstart hit the newer epoch")
  @State
  public static class StaleUnstartVsRecycle {
    private final ServerStats stats = new ServerStats();

    public StaleUnstartVsRecycle() {
      stats.start(E);
    }

    @Actor
    public void stale() {
      stats.unstart(E);
    }

    @Actor
    public void newer(II_Result r) {
      stats.start(E + 2);
      r.r1 = stats.started(E + 2);
      stats.unstart(E + 2);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r2 = stats.started(E + 2);
    }
  }

  /**
   * The two pairs share code but not words: a pick counted in flight and a response start of
   * another, at once, each land in their own pair. One pick was in flight before; afterwards two
   * are, one of them started, so one is awaited.
   */
  @JCStressTest
  @Outcome(id = "2, 1, 1", expect = ACCEPTABLE, desc = "each count in its own pair")
  @Outcome(expect = FORBIDDEN, desc = "a count landed in the other pair, or was lost")
  @State
  public static class PairsApart {
    private final ServerStats stats = new ServerStats();

    public PairsApart() {
      stats.acquire(E);
    }

    @Actor
    public void acquire() {
      stats.acquire(E);
    }

    @Actor
    public void start() {
      stats.start(E);
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r1 = stats.inFlight(E);
      r.r2 = stats.started(E);
      r.r3 = stats.awaiting(E);
    }
  }
}
