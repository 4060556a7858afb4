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
import org.openjdk.jcstress.infra.results.DD_Result;
import org.openjdk.jcstress.infra.results.D_Result;

/**
 * Races on {@link ServerStats}'s latency word: one long packing (float estimate | timestamp),
 * updated by a read-compute-CAS loop with the peak-EWMA rule. Two completions recording at once
 * must leave a state that one of the two serial orders produces, never a torn mix of one sample's
 * estimate with the other's timestamp and never a lost sample. Each test reads back the estimate as
 * stored and as decayed at a later instant; the decayed read exposes the stored timestamp.
 */
public final class ServerStatsLatencyStress {
  private ServerStatsLatencyStress() {}

  /** Decay time of the model (10 s, the default). */
  static final double TAU = 10e9;

  /** An instant (1 s) whose packed timestamp unit (2^16 ns) is well above zero. */
  static final long T = 1_000_000_000L;

  /**
   * Two successes recorded at the same instant, 1 ms and 3 ms, from an empty estimate. Both are
   * peaks over zero; whichever is applied second finds the other's estimate, and the peak rule
   * keeps the larger, with no time elapsed to average in the smaller. Only 3 ms, stamped T, is
   * right: read 10 s later it has decayed by e^-1, to 1104 us.
   */
  @JCStressTest
  @Outcome(
      id = "3000000.0, 1104.0",
      expect = ACCEPTABLE,
      desc = "the larger peak wins in either order")
  @Outcome(expect = FORBIDDEN, desc = "a lost sample or a torn estimate/timestamp pair")
  @State
  public static class PeaksAtSameInstant {
    private final ServerStats stats = new ServerStats();

    @Actor
    public void small() {
      stats.recordLatency(T, 1_000_000L, TAU, false, 2.0, 10e6);
    }

    @Actor
    public void large() {
      stats.recordLatency(T, 3_000_000L, TAU, false, 2.0, 10e6);
    }

    @Arbiter
    public void arbiter(DD_Result r) {
      r.r1 = stats.latencyEstimate(T, TAU, false);
      // In microseconds, rounded: the decay is computed from 2^16 ns time units.
      r.r2 = Math.rint(stats.latencyEstimate(T + (long) TAU, TAU, true) / 1000);
    }
  }

  /**
   * A failure (1 ms, counted as at least twice the estimate and at least the 10 ms floor) and a 3
   * ms success recorded at the same instant. Failure first: 10 ms, then the success is below it and
   * no time has elapsed, so 10 ms stays. Success first: 3 ms, then the failure counts as max(1, 2 *
   * 3, 10) = 10 ms. Both orders give 10 ms; anything else lost an update.
   */
  @JCStressTest
  @Outcome(id = "1.0E7, 1.0E7", expect = ACCEPTABLE, desc = "10 ms in either order")
  @Outcome(expect = FORBIDDEN, desc = "a lost sample or a torn estimate/timestamp pair")
  @State
  public static class FailureVsSuccess {
    private final ServerStats stats = new ServerStats();

    @Actor
    public void failure() {
      stats.recordLatency(T, 1_000_000L, TAU, true, 2.0, 10e6);
    }

    @Actor
    public void success() {
      stats.recordLatency(T, 3_000_000L, TAU, false, 2.0, 10e6);
    }

    @Arbiter
    public void arbiter(DD_Result r) {
      r.r1 = stats.latencyEstimate(T, TAU, false);
      r.r2 = stats.latencyEstimate(T, TAU, true);
    }
  }

  /**
   * Completions race, so their samples arrive out of time order: a 1 ms sample taken at T and a 3
   * ms sample taken 1 ms later (a different packed time unit) are recorded concurrently. In time
   * order the 3 ms peak replaces the 1 ms estimate. Out of order, the 1 ms sample is below the 3 ms
   * estimate and was taken before it, so no time has elapsed for it to be averaged in: the estimate
   * must stay 3 ms stamped at the later instant. A time difference taken as unsigned would read the
   * 1 ms gap backwards as about 78 hours, let the smaller sample replace the peak outright and move
   * the timestamp back (estimate 1 ms, or a decayed read below 3 ms).
   */
  @JCStressTest
  @Outcome(id = "3000000.0, 3000000.0", expect = ACCEPTABLE, desc = "the later peak is kept")
  @Outcome(
      id = "1000000.0, .*",
      expect = FORBIDDEN,
      desc = "an earlier, smaller sample arriving late replaced the peak")
  @Outcome(expect = FORBIDDEN, desc = "a lost sample or a timestamp moved backwards")
  @State
  public static class OutOfOrderSamples {
    private static final long LATER = T + 1_000_000L;
    private final ServerStats stats = new ServerStats();

    @Actor
    public void earlierSmall() {
      stats.recordLatency(T, 1_000_000L, TAU, false, 2.0, 10e6);
    }

    @Actor
    public void laterLarge() {
      stats.recordLatency(LATER, 3_000_000L, TAU, false, 2.0, 10e6);
    }

    @Arbiter
    public void arbiter(DD_Result r) {
      r.r1 = stats.latencyEstimate(LATER, TAU, false);
      r.r2 = stats.latencyEstimate(LATER, TAU, true);
    }
  }

  /**
   * A sample that changes nothing (1 ms, below the 2 ms estimate, in the same 2^16 ns time unit, so
   * its weight is exp(0) = 1) races a 5 ms peak at the same instant. The no-op sample writes
   * nothing: it returns once it has computed the word it read. Had it written that word back (a
   * plain store, or a CAS that counted equality as success after a stale read), it could erase the
   * peak; only 5 ms is right, in either order.
   */
  @JCStressTest
  @Outcome(id = "5000000.0", expect = ACCEPTABLE, desc = "the peak survives the no-op sample")
  @Outcome(id = "2000000.0", expect = FORBIDDEN, desc = "the no-op sample wrote back a stale word")
  @Outcome(expect = FORBIDDEN, desc = "a lost sample or a torn estimate/timestamp pair")
  @State
  public static class NoOpSampleVsPeak {
    private final ServerStats stats = new ServerStats();

    public NoOpSampleVsPeak() {
      stats.recordLatency(T, 2_000_000L, TAU, false, 2.0, 10e6);
    }

    @Actor
    public void noOp() {
      stats.recordLatency(T, 1_000_000L, TAU, false, 2.0, 10e6);
    }

    @Actor
    public void peak() {
      stats.recordLatency(T, 5_000_000L, TAU, false, 2.0, 10e6);
    }

    @Arbiter
    public void arbiter(D_Result r) {
      r.r1 = stats.latencyEstimate(T, TAU, false);
    }
  }
}
