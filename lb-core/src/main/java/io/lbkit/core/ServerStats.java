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
import java.util.concurrent.ThreadLocalRandom;

/*
 * The mutable, per-server statistics that adaptive selectors read on the pick path and that
 * completed picks write: the in-flight count and the peak-EWMA latency estimate (and, apart, what
 * outlier detection counts: OutcomeCounts). One instance
 * lives as long as its server id stays in the balancer: re-weighting a server keeps it, removing
 * the server drops it (outstanding Pick handles hold the last references).
 *
 * In-flight count with bounded leaks
 * ----------------------------------
 * A pick that is never completed must not inflate its server's load forever. Time is cut into
 * epochs of `expiry` nanoseconds; a pick is counted in the bucket of the epoch it started in.
 * There are two buckets, each one long packing (epoch:32 | count:32), used by even and odd epochs.
 * The in-flight count is the sum of the buckets whose epoch is the current one or the one before,
 * so a leaked pick stops counting after at most two epochs, and a completion whose bucket has moved
 * on (its epoch is stale) changes nothing. A bucket is recycled by the first acquire of a newer
 * epoch, in the same CAS that counts that acquire, so recycling can never lose a concurrent
 * increment: the CAS that loses the race re-reads and retries.
 *
 * Awaiting first response
 * -----------------------
 * A request whose response has started (its headers arrived: a stream, a long body) still counts
 * in flight until it completes, for drains, outlier detection and status, but it no longer says
 * anything about how long a new request would wait for its first response. So the picks whose
 * response started are counted too, in a second pair of buckets keyed by the same epoch as the
 * pick's in-flight count (the epoch the pick started in, not the one its response started in):
 * both counts of a pick expire together, and a started pick never completed stops counting, like
 * its in-flight slot, after at most two epochs. "Awaiting" is in-flight minus started, never below
 * zero. The two counts are separate words, so a reader may see one before and the other after a
 * racing update; the writers order their updates so that this can only over-state the awaiting
 * count for an instant (see awaiting()), and the clamp covers a pick that was counted and started
 * between the reader's two reads.
 *
 * Latency estimate
 * ----------------
 * One long packs (estimate:24 | time of last update in 2^16 ns units:40), so that the estimate and
 * its timestamp change together in one CAS without a lock. The estimate is a float32 without its
 * sign bit (estimates are never negative) and without the 7 lowest mantissa bits, rounded to
 * nearest: 16 mantissa bits, a relative precision of 1.5e-5, far finer than latency noise. The
 * 40-bit timestamp is compared by signed difference, right for gaps up to 2^55 ns (417 days). A
 * timestamp ahead of the reader by more than the longest sample (a day, see MAX_SAMPLE_NANOS) can
 * only be an older one that wrapped around, so it reads as "long ago": an estimate left idle for
 * any time never comes back at its old value (only a gap within a few decay times of an exact
 * multiple of 2^56 ns, 2.3 years, could). Samples are clamped to [0, MAX_SAMPLE_NANOS] so that a
 * caller-measured latency (Long.MAX_VALUE included) can neither overflow the estimate nor push its
 * timestamp far into the future. The update is Finagle's and Linkerd's "peak EWMA": a sample above
 * the estimate replaces it at once, a lower one is averaged in with a weight that grows with the
 * time since the last update (exp(-elapsed/tau)). A successful sample may raise the estimate only
 * by a bounded factor over the fleet's typical estimate or over its own (decayed) estimate, so
 * that one slow reply cannot make a server look many times slower than its peers; failures are
 * not capped (they are explicit bad news, and their penalty must keep growing).
 *
 * Memory ordering: all fields are read with getVolatile (or plain volatile reads) and written with
 * compareAndSet, which has volatile semantics. That is the simplest ordering that keeps each
 * packed word consistent; it costs nothing extra on x86, where any locked instruction is already a
 * full fence, and these words are only ever touched by CAS, never by plain stores. A latency
 * sample that would leave the word exactly as read skips its CAS: the volatile read is then the
 * update's linearization point (writing the stale word back could erase a racing peak; not writing
 * cannot), and the line is not dirtied by completions of a busy server that change nothing.
 */
final class ServerStats {
  private static final VarHandle BUCKET_EVEN;
  private static final VarHandle BUCKET_ODD;
  private static final VarHandle STARTED_EVEN;
  private static final VarHandle STARTED_ODD;
  private static final VarHandle LATENCY;
  private static final VarHandle FAILURE_SCORE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      BUCKET_EVEN = lookup.findVarHandle(ServerStats.class, "bucketEven", long.class);
      BUCKET_ODD = lookup.findVarHandle(ServerStats.class, "bucketOdd", long.class);
      STARTED_EVEN = lookup.findVarHandle(ServerStats.class, "startedEven", long.class);
      STARTED_ODD = lookup.findVarHandle(ServerStats.class, "startedOdd", long.class);
      LATENCY = lookup.findVarHandle(ServerStats.class, "latency", long.class);
      FAILURE_SCORE = lookup.findVarHandle(ServerStats.class, "failureScore", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Time unit of the packed latency timestamp: 2^16 ns. */
  private static final int TIME_SHIFT = 16;

  /** Width of the packed latency timestamp, in time units. */
  private static final int STAMP_BITS = 40;

  private static final long STAMP_MASK = (1L << STAMP_BITS) - 1;

  /** Float32 mantissa bits the packed estimate drops. */
  private static final int DROPPED_BITS = 7;

  /**
   * The longest latency sample, a day: longer measured latencies count as this. It bounds the
   * estimate (no overflow, whatever the caller reports) and how far a sample's timestamp (its pick
   * time plus its latency) can lie ahead of the clock.
   */
  static final long MAX_SAMPLE_NANOS = 86_400_000_000_000L;

  /** The timestamp difference, in time units, beyond which a timestamp ahead of now has wrapped. */
  private static final long MAX_AHEAD_UNITS = (MAX_SAMPLE_NANOS >>> TIME_SHIFT) + 1;

  /** An elapsed time long enough for any decay to be complete. */
  static final long LONG_AGO_NANOS = Long.MAX_VALUE / 4;

  @SuppressWarnings("UnusedVariable") // accessed through BUCKET_EVEN
  private volatile long bucketEven;

  @SuppressWarnings("UnusedVariable") // accessed through BUCKET_ODD
  private volatile long bucketOdd;

  // Recent failures for the in-flight load metrics, packed like the latency word (score:24 | time
  // of last update:40): each failure adds one, and the score decays with the latency decay
  // time, so that a server failing fast does not look idle to least connections. Declared right
  // after the in-flight words (the JVM lays out fields of one size in declaration order): the
  // in-flight metrics read all three for each candidate, and 24 contiguous bytes most often sit on
  // one cache line; at 10,000 servers the statistics no longer fit in the near caches, and a second
  // line per candidate would be a second miss.
  @SuppressWarnings("UnusedVariable") // accessed through FAILURE_SCORE
  private volatile long failureScore;

  // Picks of this server, for the coarse clock's refresh (countPick). Declared right after the
  // in-flight words so that the field layout keeps it next to them, on the line each pick's acquire
  // has just written. Plain and racy on purpose: a lost increment only delays one refresh by a
  // pick, and no other memory is ordered by it. Starts at a random count so that servers created
  // together do not all refresh on the same round of picks.
  private long picks = ThreadLocalRandom.current().nextInt(REFRESH_EVERY);

  // Picks whose response started, packed and recycled like the in-flight buckets.
  @SuppressWarnings("UnusedVariable") // accessed through STARTED_EVEN
  private volatile long startedEven;

  @SuppressWarnings("UnusedVariable") // accessed through STARTED_ODD
  private volatile long startedOdd;

  @SuppressWarnings("UnusedVariable") // accessed through LATENCY
  private volatile long latency;

  /** Outlier detection's counts for this server. */
  final OutcomeCounts outcomes = new OutcomeCounts();

  // Active health check progress, owned by the one check chain of this server; volatile because
  // successive checks complete on different threads.
  volatile int checkPasses;
  volatile int checkFailures;

  // Two bucket pairs, one design: the in-flight pair (BUCKET_EVEN/ODD) and the response-start pair
  // (STARTED_EVEN/ODD) are counted, released and read by the same three methods below, which take a
  // pair as its two VarHandles. Each caller passes static final handles and the methods are small
  // and hot, so the JIT inlines them into their one-line callers and sees constant handles again.
  // Within a method the bucket of an epoch is chosen by its parity with a branch at each access
  // rather than by picking one of the two handles into a variable: a handle chosen at run time is
  // not a compile-time constant and is invoked through its generic guards (access-mode check,
  // receiver cast, field offset loaded from the handle), which on the pick path costs more than the
  // atomic operation itself and grows the compiled pick beyond what callers inline.

  /** Counts one more in-flight request that started in {@code epoch}. */
  void acquire(int epoch) {
    increment(BUCKET_EVEN, BUCKET_ODD, epoch);
  }

  /** Releases one in-flight request that started in {@code epoch}; a no-op once it expired. */
  void release(int epoch) {
    decrement(BUCKET_EVEN, BUCKET_ODD, epoch);
  }

  /**
   * Counts the response start of one in-flight request picked in {@code epoch} (it is no longer
   * awaited). Its completion takes it back with {@link #unstart} before it {@link #release}s the
   * request.
   */
  void start(int epoch) {
    increment(STARTED_EVEN, STARTED_ODD, epoch);
  }

  /** Takes back one response start counted by {@link #start}; a no-op once its epoch expired. */
  void unstart(int epoch) {
    decrement(STARTED_EVEN, STARTED_ODD, epoch);
  }

  /** Counts one more in {@code epoch}'s bucket of the pair, recycling it if it is expired. */
  private void increment(VarHandle even, VarHandle odd, int epoch) {
    boolean isEven = (epoch & 1) == 0;
    for (; ; ) {
      long v = isEven ? (long) even.getVolatile(this) : (long) odd.getVolatile(this);
      int bucketEpoch = (int) (v >>> 32);
      long next;
      if (bucketEpoch == epoch) {
        next = v + 1;
      } else if (epoch - bucketEpoch > 0 || (int) v == 0) {
        // The bucket still counts an epoch two or more behind (its picks have expired), or counts
        // nothing at all: a fresh bucket holds epoch 0, which says nothing about the epochs to
        // come (they may be negative, or far beyond 2^31 and wrapped).
        next = ((long) epoch << 32) | 1L;
      } else {
        // This caller read the clock so long ago that its epoch has already expired: the pick is
        // not counted (its release will find a newer epoch and change nothing).
        return;
      }
      if (isEven ? even.compareAndSet(this, v, next) : odd.compareAndSet(this, v, next)) {
        return;
      }
    }
  }

  /** Counts one less in {@code epoch}'s bucket of the pair; a no-op once that epoch expired. */
  private void decrement(VarHandle even, VarHandle odd, int epoch) {
    boolean isEven = (epoch & 1) == 0;
    for (; ; ) {
      long v = isEven ? (long) even.getVolatile(this) : (long) odd.getVolatile(this);
      if ((int) (v >>> 32) != epoch || (int) v == 0) {
        return;
      }
      if (isEven ? even.compareAndSet(this, v, v - 1) : odd.compareAndSet(this, v, v - 1)) {
        return;
      }
    }
  }

  /** What the pair counts for {@code epoch} and the epoch before. */
  private int count(VarHandle even, VarHandle odd, int epoch) {
    return live((long) even.getVolatile(this), epoch) + live((long) odd.getVolatile(this), epoch);
  }

  /** How many picks of one server make one refresh of the coarse clock: a power of two. */
  static final int REFRESH_EVERY = 64;

  /**
   * Counts one pick of this server and says whether it is a multiple of {@link #REFRESH_EVERY}: the
   * coarse clock's refresh (see {@code Accounting}). Plain, racy field access, see {@code picks}.
   */
  boolean countPick() {
    long n = picks + 1;
    picks = n;
    return (n & (REFRESH_EVERY - 1)) == 0;
  }

  /** The number of requests in flight that started in {@code epoch} or the epoch before. */
  int inFlight(int epoch) {
    return count(BUCKET_EVEN, BUCKET_ODD, epoch);
  }

  /**
   * The number of requests in flight whose response has not started, of those that started in
   * {@code epoch} or the epoch before: the load that says how long a new request would wait for its
   * first response.
   */
  int awaiting(int epoch) {
    // In-flight first, started second, both volatile reads (sequentially consistent with the
    // CAS writes). A completion takes its start back before releasing its slot (unstart, then
    // release), so a reader that sees the release also sees the unstart: a racing completion can
    // only make this read over-state the awaiting count by one for an instant, never hide load.
    // A pick counted and started between the two reads can make started exceed in-flight: the
    // clamp. An idle server (the common case of a scan) costs only the in-flight reads.
    int inFlight = inFlight(epoch);
    if (inFlight == 0) {
      return 0;
    }
    return Math.max(0, inFlight - started(epoch));
  }

  /** The number of response starts counted for picks of {@code epoch} or the epoch before. */
  int started(int epoch) {
    return count(STARTED_EVEN, STARTED_ODD, epoch);
  }

  private static int live(long bucket, int epoch) {
    int age = epoch - (int) (bucket >>> 32);
    return (age == 0 || age == 1) ? (int) bucket : 0;
  }

  /**
   * The latency estimate in nanoseconds at {@code nowNanos}. When {@code decay} is set the estimate
   * decays towards zero with the time since its last update (an idle server becomes cheap again and
   * is re-probed); otherwise it is returned as last recorded.
   */
  double latencyEstimate(long nowNanos, double decayNanos, boolean decay) {
    long v = latencyWord();
    double estimate = estimateOf(v);
    if (!decay || estimate == 0.0) {
      return estimate;
    }
    long elapsed = latencyAgeNanos(v, nowNanos);
    // exp(0) is exactly 1: a server updated within the current time unit (2^16 ns) is read without
    // computing it, the common case for a busy server, on the pick path.
    return elapsed == 0 ? estimate : estimate * decayFactor(elapsed, decayNanos);
  }

  /** The packed latency word, for {@link #estimateOf} and {@link #latencyAgeNanos}. */
  long latencyWord() {
    return (long) LATENCY.getVolatile(this);
  }

  /** The estimate in nanoseconds that a packed latency word holds (0 before any sample). */
  static double estimateOf(long word) {
    return Float.intBitsToFloat((int) (word >>> STAMP_BITS) << DROPPED_BITS);
  }

  /**
   * The time since the packed word's last update: 0 if its timestamp is at or a little ahead of
   * {@code nowNanos} (a caller-measured latency that ends after now), {@link #LONG_AGO_NANOS} if it
   * is so far ahead that it can only have wrapped around.
   */
  static long latencyAgeNanos(long word, long nowNanos) {
    long delta = signedStampDelta((nowNanos >>> TIME_SHIFT) - (word & STAMP_MASK));
    if (delta <= 0) {
      return delta < -MAX_AHEAD_UNITS ? LONG_AGO_NANOS : 0;
    }
    return delta << TIME_SHIFT;
  }

  /** The low 40 bits of a difference of timestamps, sign-extended. */
  private static long signedStampDelta(long delta) {
    return (delta << (64 - STAMP_BITS)) >> (64 - STAMP_BITS);
  }

  private static long pack(double estimate, long stampUnits) {
    // Rounded to nearest by adding half of the dropped part; an estimate is at most
    // MAX_SAMPLE_NANOS times the failure factor, clamped below to Float.MAX_VALUE, and rounding
    // Float.MAX_VALUE up gives infinity, which the clamp below keeps out.
    float f = (float) Math.min(estimate, MAX_PACKED);
    int bits = (Float.floatToRawIntBits(f) + (1 << (DROPPED_BITS - 1))) >>> DROPPED_BITS;
    return ((long) bits << STAMP_BITS) | (stampUnits & STAMP_MASK);
  }

  /**
   * The largest estimate the packing holds: well below Float.MAX_VALUE, so rounding stays finite.
   */
  private static final double MAX_PACKED = 1e37;

  /**
   * Records one latency sample with the peak-EWMA rule; a failure is recorded as at least {@code
   * failureFactor} times the current estimate and at least {@code failureFloorNanos}, so a server
   * that fails fast looks slow rather than attractive. Equivalent to {@link #recordLatency(long,
   * long, double, boolean, double, double, double, double)} without a fleet (no peak ceiling).
   */
  void recordLatency(
      long nowNanos,
      long sampleNanos,
      double decayNanos,
      boolean failure,
      double failureFactor,
      double failureFloorNanos) {
    recordLatency(
        nowNanos, sampleNanos, decayNanos, failure, failureFactor, failureFloorNanos, 0.0, 0.0);
  }

  /**
   * Records one latency sample with the peak-EWMA rule. {@code endNanos} is the pick's start plus
   * {@code sampleNanos} as the caller computed it (wrapping on overflow); the sample is clamped to
   * [0, {@link #MAX_SAMPLE_NANOS}] and re-timed from the recovered start. A failure counts as at
   * least {@code failureFactor} times the current estimate and at least {@code failureFloorNanos},
   * uncapped. A successful sample above the estimate raises it to at most {@code peakLimit} times
   * the larger of {@code fleetNanos} (the fleet's typical estimate, 0 if unknown: no ceiling) and
   * the estimate as decayed towards the fleet since its last update: one slow reply raises a
   * typical server to a few times the fleet, and each further slow reply raises it again by up to
   * that factor over where it has decayed to, so a server that stays slow climbs to its true
   * latency while one that was slow once recovers within a decay time or two.
   */
  void recordLatency(
      long endNanos,
      long sampleNanos,
      double decayNanos,
      boolean failure,
      double failureFactor,
      double failureFloorNanos,
      double fleetNanos,
      double peakLimit) {
    // endNanos - sampleNanos is the pick's start even when the caller's sum overflowed.
    long clampedSample = Math.min(Math.max(0, sampleNanos), MAX_SAMPLE_NANOS);
    long nowNanos = endNanos - Math.max(0, sampleNanos) + clampedSample;
    long now = nowNanos >>> TIME_SHIFT;
    for (; ; ) {
      long v = (long) LATENCY.getVolatile(this);
      double estimate = estimateOf(v);
      double sample = clampedSample;
      long elapsed = latencyAgeNanos(v, nowNanos);
      if (failure) {
        sample = Math.max(sample, Math.max(estimate * failureFactor, failureFloorNanos));
      } else if (sample > estimate && fleetNanos > 0 && estimate > 0) {
        double decayed =
            elapsed == 0
                ? estimate
                : fleetNanos + (estimate - fleetNanos) * decayFactor(elapsed, decayNanos);
        sample = Math.max(estimate, Math.min(sample, peakLimit * Math.max(fleetNanos, decayed)));
      } else if (sample > estimate && fleetNanos > 0) {
        // Never measured (a new or restarted server): its first answers may be cold.
        sample = Math.min(sample, peakLimit * fleetNanos);
      }
      double next;
      if (sample >= estimate) {
        next = sample;
      } else {
        // No time has passed in 2^16 ns units: the weight exp(0) is exactly 1 and the estimate
        // stays as it is (estimate * 1 + sample * 0), without computing it.
        double w = elapsed == 0 ? 1.0 : decayFactor(elapsed, decayNanos);
        next = estimate * w + sample * (1 - w);
      }
      // The timestamp never moves backwards: a sample timed before the last update (completions
      // race, so samples arrive out of order) must not re-date the estimate it leaves in place.
      // A stamp that reads as wrapped (LONG_AGO) is replaced.
      long then = v & STAMP_MASK;
      long stamp = (estimate == 0.0 || elapsed > 0) ? now : then;
      long packed = pack(next, stamp);
      // A sample that leaves the word as it is (below the estimate, within the same time unit)
      // needs no write: the volatile read of v is this update's linearization point, as if the
      // CAS had succeeded right then. Skipping the locked instruction also keeps the line shared
      // between cores that complete picks of one busy server.
      if (packed == v || LATENCY.compareAndSet(this, v, packed)) {
        return;
      }
    }
  }

  /** Adds one failure to the decaying failure score. */
  void recordFailure(long nowNanos, double decayNanos) {
    long now = nowNanos >>> TIME_SHIFT;
    for (; ; ) {
      long v = (long) FAILURE_SCORE.getVolatile(this);
      double score = decayed(v, nowNanos, decayNanos) + 1.0;
      long packed = pack(score, now);
      if (FAILURE_SCORE.compareAndSet(this, v, packed)) {
        return;
      }
    }
  }

  /**
   * The load that recent failures add for the in-flight metrics: the decayed failure score, or 0
   * once it is below one half (so that one failure stops counting after tau x ln 2, about 7 s by
   * default, and never breaks ties between idle servers for longer).
   */
  double failurePenalty(long nowNanos, double decayNanos) {
    long v = (long) FAILURE_SCORE.getVolatile(this);
    if (v == 0) {
      return 0;
    }
    double score = decayed(v, nowNanos, decayNanos);
    return score < 0.5 ? 0 : score;
  }

  private static double decayed(long packed, long nowNanos, double decayNanos) {
    double score = estimateOf(packed);
    if (score == 0.0) {
      return 0.0;
    }
    return score * decayFactor(latencyAgeNanos(packed, nowNanos), decayNanos);
  }

  /**
   * exp(-elapsed / decay), the weight an estimate or score keeps after {@code elapsedNanos}: inline
   * ({@link ApproximateMath#expNegative}) rather than through the JIT's out-of-line {@code
   * Math.exp}, since completions of latency-aware selectors take it for nearly every sample (a
   * server's last update is more than one 65 us time unit old unless it answers thousands of calls
   * a second) and picks for every server with a recent failure or an idle estimate. Its error, 4 x
   * 10^-5 relative, is about the precision of the packed words it is applied to (2^-16).
   */
  private static double decayFactor(long elapsedNanos, double decayNanos) {
    return ApproximateMath.expNegative(elapsedNanos / decayNanos);
  }

  /**
   * How many time units (2^16 ns) the timestamp of the latency word {@code a} lies after the one in
   * the low 40 bits of {@code b}, negative if before: which of two words of one server is newer.
   */
  static long stampUnitsAfter(long a, long b) {
    return signedStampDelta((a & STAMP_MASK) - (b & STAMP_MASK));
  }
}
