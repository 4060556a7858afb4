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
 * so a reader can see one before and the other after an update; these tests probe that it never
 * reads a negative count or more than is in flight beyond the one documented transient, that no
 * start is lost to a concurrent one or to recycling, and that starts expire with their picks.
 */
public final class ServerStatsAwaitingStress {
  private ServerStatsAwaitingStress() {}

  /** An ordinary epoch; 7 and 9 share the odd buckets. */
  static final int E = 7;

  /**
   * Two picks of epoch E are in flight, A's response has started. A completes (its start taken
   * back, then its slot released) while B's response starts, and a third thread reads the awaiting
   * count. Every state in between has one awaited request (B) or none (B started), and the reader
   * sees 1 or 0; it may see 2 for an instant if it read in-flight before A's release and the starts
   * after A's unstart but before B's start (the documented over-statement), never less than 0 and
   * never a count that hides B while it is awaited. Afterwards: B in flight, not awaited.
   */
  @JCStressTest
  @Outcome(
      id = {"0, 1, 0", "1, 1, 0"},
      expect = ACCEPTABLE,
      desc = "a state that existed")
  @Outcome(
      id = "2, 1, 0",
      expect = ACCEPTABLE_INTERESTING,
      desc = "the completion's two updates straddled the read: over-stated by one for an instant")
  @Outcome(expect = FORBIDDEN, desc = "a negative or lost count, or a leaked start")
  @State
  public static class CompleteStartedWhileAnotherStarts {
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
    public void startB() {
      stats.start(E);
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
