package io.lbkit.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/*
 * The mutable, per-server statistics that adaptive selectors read on the pick path and that
 * completed picks write: the in-flight count and the peak-EWMA latency estimate. One instance
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
 * Latency estimate
 * ----------------
 * One long packs (float estimate in nanoseconds:32 | time of last update in 2^16 ns units:32), so
 * that the estimate and its timestamp change together in one CAS without a lock. Float precision
 * (24-bit mantissa) is far finer than latency noise; the 32-bit timestamp is compared by signed
 * difference, so an estimate left untouched for more than 2^47 ns (about 39 hours) may decay as
 * if less time had passed; the next sample corrects it. The update is Finagle's and Linkerd's "peak EWMA": a
 * sample above the estimate replaces it at once, a lower one is averaged in with a weight that
 * grows with the time since the last update (exp(-elapsed/tau)).
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
  private static final VarHandle LATENCY;
  private static final VarHandle CONSECUTIVE_FAILURES;
  private static final VarHandle CONSECUTIVE_CONNECT_FAILURES;
  private static final VarHandle WINDOW;
  private static final VarHandle FAILURE_SCORE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      BUCKET_EVEN = lookup.findVarHandle(ServerStats.class, "bucketEven", long.class);
      BUCKET_ODD = lookup.findVarHandle(ServerStats.class, "bucketOdd", long.class);
      LATENCY = lookup.findVarHandle(ServerStats.class, "latency", long.class);
      CONSECUTIVE_FAILURES =
          lookup.findVarHandle(ServerStats.class, "consecutiveFailures", int.class);
      CONSECUTIVE_CONNECT_FAILURES =
          lookup.findVarHandle(ServerStats.class, "consecutiveConnectFailures", int.class);
      WINDOW = lookup.findVarHandle(ServerStats.class, "window", long.class);
      FAILURE_SCORE = lookup.findVarHandle(ServerStats.class, "failureScore", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Time unit of the packed latency timestamp: 2^16 ns. */
  private static final int TIME_SHIFT = 16;

  @SuppressWarnings("UnusedVariable") // accessed through BUCKET_EVEN
  private volatile long bucketEven;

  @SuppressWarnings("UnusedVariable") // accessed through BUCKET_ODD
  private volatile long bucketOdd;

  @SuppressWarnings("UnusedVariable") // accessed through LATENCY
  private volatile long latency;

  @SuppressWarnings("UnusedVariable") // accessed through CONSECUTIVE_FAILURES
  private volatile int consecutiveFailures;

  @SuppressWarnings("UnusedVariable") // accessed through CONSECUTIVE_CONNECT_FAILURES
  private volatile int consecutiveConnectFailures;

  // Recent failures for the in-flight load metrics, packed like the latency word (float score:32 |
  // time of last update:32): each failure adds one, and the score decays with the latency decay
  // time, so that a server failing fast does not look idle to least connections.
  @SuppressWarnings("UnusedVariable") // accessed through FAILURE_SCORE
  private volatile long failureScore;

  // Outcomes since the last window rotation, packed (failures:32 | successes:32) so that one
  // atomic add counts either and one getAndSet takes both consistently.
  @SuppressWarnings("UnusedVariable") // accessed through WINDOW
  private volatile long window;

  // The sliding window of past rotations, owned by the balancer's maintenance (which runs one at a
  // time), hence plain fields.
  private long @Nullable [] windowRing;
  private int windowRingPosition;

  // Set by resetOutcomes() on any thread, consumed by the next rotation.
  private volatile boolean clearWindowRing;

  // Active health check progress, owned by the one check chain of this server; volatile because
  // successive checks complete on different threads.
  volatile int checkPasses;
  volatile int checkFailures;

  private static VarHandle bucket(int epoch) {
    return (epoch & 1) == 0 ? BUCKET_EVEN : BUCKET_ODD;
  }

  /** Counts one more in-flight request that started in {@code epoch}. */
  void acquire(int epoch) {
    VarHandle bucket = bucket(epoch);
    for (; ; ) {
      long v = (long) bucket.getVolatile(this);
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
      if (bucket.compareAndSet(this, v, next)) {
        return;
      }
    }
  }

  /** Releases one in-flight request that started in {@code epoch}; a no-op once it expired. */
  void release(int epoch) {
    VarHandle bucket = bucket(epoch);
    for (; ; ) {
      long v = (long) bucket.getVolatile(this);
      if ((int) (v >>> 32) != epoch || (int) v == 0) {
        return;
      }
      if (bucket.compareAndSet(this, v, v - 1)) {
        return;
      }
    }
  }

  /** The number of requests in flight that started in {@code epoch} or the epoch before. */
  int inFlight(int epoch) {
    long even = (long) BUCKET_EVEN.getVolatile(this);
    long odd = (long) BUCKET_ODD.getVolatile(this);
    return live(even, epoch) + live(odd, epoch);
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
  double latencyEstimate(long nowNanos, double tauNanos, boolean decay) {
    long v = (long) LATENCY.getVolatile(this);
    double estimate = Float.intBitsToFloat((int) (v >>> 32));
    if (!decay || estimate == 0.0) {
      return estimate;
    }
    long elapsed = elapsedNanos(nowNanos, (int) v);
    // exp(0) is exactly 1: a server updated within the current time unit (2^16 ns) is read without
    // calling exp, the common case for a busy server, on the pick path.
    return elapsed == 0 ? estimate : estimate * Math.exp(-elapsed / tauNanos);
  }

  /**
   * Records one latency sample with the peak-EWMA rule; a failure is recorded as at least {@code
   * failureFactor} times the current estimate and at least {@code failureFloorNanos}, so a server
   * that fails fast looks slow rather than attractive.
   */
  void recordLatency(
      long nowNanos,
      long sampleNanos,
      double tauNanos,
      boolean failure,
      double failureFactor,
      double failureFloorNanos) {
    int now = (int) (nowNanos >>> TIME_SHIFT);
    for (; ; ) {
      long v = (long) LATENCY.getVolatile(this);
      double estimate = Float.intBitsToFloat((int) (v >>> 32));
      double sample = Math.max(0, sampleNanos);
      if (failure) {
        sample = Math.max(sample, Math.max(estimate * failureFactor, failureFloorNanos));
      }
      double next;
      if (sample >= estimate) {
        next = sample;
      } else {
        long elapsed = elapsedNanos(nowNanos, (int) v);
        // No time has passed in 2^16 ns units: the weight exp(0) is exactly 1 and the estimate
        // stays as it is (estimate * 1 + sample * 0), without calling exp.
        double w = elapsed == 0 ? 1.0 : Math.exp(-elapsed / tauNanos);
        next = estimate * w + sample * (1 - w);
      }
      float clamped = (float) Math.min(next, Float.MAX_VALUE);
      // The timestamp never moves backwards: a sample timed before the last update (completions
      // race, so samples arrive out of order) must not re-date the estimate it leaves in place.
      int then = (int) v;
      int stamp = (estimate == 0.0 || now - then > 0) ? now : then;
      long packed = ((long) Float.floatToRawIntBits(clamped) << 32) | (stamp & 0xFFFF_FFFFL);
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
  void recordFailure(long nowNanos, double tauNanos) {
    int now = (int) (nowNanos >>> TIME_SHIFT);
    for (; ; ) {
      long v = (long) FAILURE_SCORE.getVolatile(this);
      double score = decayed(v, nowNanos, tauNanos) + 1.0;
      long packed =
          ((long) Float.floatToRawIntBits((float) Math.min(score, Float.MAX_VALUE)) << 32)
              | (now & 0xFFFF_FFFFL);
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
  double failurePenalty(long nowNanos, double tauNanos) {
    long v = (long) FAILURE_SCORE.getVolatile(this);
    if (v == 0) {
      return 0;
    }
    double score = decayed(v, nowNanos, tauNanos);
    return score < 0.5 ? 0 : score;
  }

  private static double decayed(long packed, long nowNanos, double tauNanos) {
    double score = Float.intBitsToFloat((int) (packed >>> 32));
    if (score == 0.0) {
      return 0.0;
    }
    return score * Math.exp(-elapsedNanos(nowNanos, (int) packed) / tauNanos);
  }

  /**
   * Counts one outcome for outlier detection and returns the new streaks as this outcome left them,
   * packed (consecutive connect failures:32 | consecutive failures:32): both 0 after a success, and
   * 0 for a cancellation, which says nothing about the server and so can never complete a streak.
   * Each count comes from the atomic add that made it, so exactly one reporter sees a streak reach
   * a given length even when reports race.
   */
  long recordOutcome(Outcome outcome) {
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
  void resetOutcomes() {
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
  long rotateWindow(int slots) {
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

  private static long elapsedNanos(long nowNanos, int thenUnits) {
    int nowUnits = (int) (nowNanos >>> TIME_SHIFT);
    // Signed difference of the 32-bit timestamps: right across their wrap for gaps under 2^31
    // units (about 39 hours). A timestamp in the future (a caller-measured latency longer than the
    // time since the pick) counts as no time elapsed, never as a huge gap that would erase the
    // estimate it just raised.
    int delta = nowUnits - thenUnits;
    return delta <= 0 ? 0 : (long) delta << TIME_SHIFT;
  }
}
