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
}
