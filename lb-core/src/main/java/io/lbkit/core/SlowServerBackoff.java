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

import com.google.common.collect.Sets;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/*
 * Least response time's memory of how a server's recent samples went: a back-off level that grows
 * by one with each new sample that leaves the server's estimate above the band (slow) and shrinks
 * by two (DOWN) with each new sample that leaves it within the band (normal). Two, because a server
 * that stays 10x slower with exponential service answers about one trial in four or five fast: its
 * level must still climb, while a server whose speed flips back and forth (slow on about half its
 * samples) should stay near zero and not miss its fast phases. Past FREE_LEVELS, each level
 * doubles the time over which the idle server's estimate decays back into the band, so a server
 * that stays slow on every trial is tried again less and less often (up to 2^(MAX_LEVEL -
 * FREE_LEVELS) times less), while one that was slow a few times (one slow reply, a cold restart's
 * first answers) is tried again as before, and one that answers normally again loses its level within
 * a few samples.
 *
 * One instance per server and balancer (or routing part), kept across snapshots in the balancer's
 * state store, so that re-weighting a server keeps its level; a server removed and added back gets
 * fresh statistics and a fresh level.
 *
 * Word protocol: one long packs (level:8 | unused:15 | counted:1 | stamp:40), where stamp is the
 * timestamp of the latency word last counted (counted says there is one), so that each sample is
 * counted once however many pickers see it: a picker that finds the server's latency word newer
 * than the stamp counts it with one compareAndSet from the state it read; of racing pickers
 * exactly one wins, and the others re-read, find the stamp current, and stop. Newer, not merely
 * different: a latency word's timestamp never moves backwards (ServerStats), so a picker that read
 * the word before a newer sample was counted cannot count its older word again. Samples within one
 * timestamp unit (2^16 ns) count as one. A server at level 0 whose samples are normal (nearly
 * every server) is only read, never written, so its line stays shared between cores; an older
 * word that no one counted before that can still be counted later, once.
 *
 * Fleet-wide level count: pickers of a fleet where no server has a level (nearly always) skip the
 * back-off words of servers whose estimate is normal, since counting a normal sample at level 0
 * changes nothing. So each balancer's back-offs share one counter of how many of them have a level
 * (Fleet): the compareAndSet that takes a word from level 0 to a level adds one, the one that takes
 * it back to 0 takes one off, so each transition is counted exactly once by the thread that made
 * it. A back-off that leaves the fleet (its server removed or not eligible) keeps what it added:
 * a picker of an older snapshot may still move it, and a count too high only means reads are not
 * skipped; a count too low would skip a sample that must be counted, and never happens. The counter
 * is read in opaque mode, as a hint: a picker that misses a transition that has just happened
 * skips one normal sample of that server, which the next picker counts (samples are counted by
 * whoever first sees them).
 *
 * Memory ordering: the word is read in opaque mode and written by compareAndSet. It is a hint about
 * one server that publishes no other memory, so atomicity (no torn long) and eventual visibility
 * are all a reader needs; a stale read costs one failed compareAndSet and a re-read. The
 * compareAndSet itself is what makes each sample count once.
 */
final class SlowServerBackoff {
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(SlowServerBackoff.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Slow samples in a row that change nothing: one slow reply, a cold restart's first answers. */
  static final int FREE_LEVELS = 3;

  /** How many levels one normal sample takes off. */
  static final int DOWN = 2;

  /** The highest level: the decay time is then 2^(MAX_LEVEL - FREE_LEVELS) times the model's. */
  static final int MAX_LEVEL = FREE_LEVELS + 2;

  private static final int LEVEL_SHIFT = 56;

  /** The bit that says a sample was counted: the stamp below it is a latency word's. */
  private static final long COUNTED = 1L << 40;

  private static final long STAMP_MASK = COUNTED - 1;

  @SuppressWarnings("UnusedVariable") // accessed through STATE
  private long state;

  // How many back-offs of this one's fleet have a level; see the class comment.
  private final AtomicInteger leveled;

  /** A back-off of its own, outside any fleet (tests). */
  SlowServerBackoff() {
    this(new AtomicInteger());
  }

  private SlowServerBackoff(AtomicInteger leveled) {
    this.leveled = leveled;
  }

  /** The packed state word, for {@link #level} and {@link #observe}. */
  long read() {
    return (long) STATE.getOpaque(this);
  }

  /** The back-off level a state word holds, 0 to {@link #MAX_LEVEL}. */
  static int level(long state) {
    return (int) (state >>> LEVEL_SHIFT);
  }

  /**
   * The factor a state word applies to the idle decay time: 1 up to {@link #FREE_LEVELS}, then
   * doubling with each level.
   */
  static int decayMultiplier(long state) {
    return 1 << Math.max(0, level(state) - FREE_LEVELS);
  }

  /**
   * The reciprocal of {@link #decayMultiplier}, for a caller that multiplies a rate instead of
   * dividing by a time on the pick path: read from a table by level, so that it costs no division
   * either.
   */
  static double decayRateFactor(long state) {
    return DECAY_RATE_FACTORS[level(state)];
  }

  /** {@link #decayRateFactor} by level. */
  private static final double[] DECAY_RATE_FACTORS = new double[MAX_LEVEL + 1];

  static {
    for (int level = 0; level <= MAX_LEVEL; level++) {
      DECAY_RATE_FACTORS[level] = 1.0 / decayMultiplier((long) level << LEVEL_SHIFT);
    }
  }

  /**
   * Counts the sample behind {@code latencyWord} once, as slow or normal, if it is newer than the
   * one counted last, and returns the state word as it then is. {@code state} is the caller's last
   * read. Lock-free; writes only when a sample moves the level, or when the server has a level and
   * a newer sample arrived.
   */
  long observe(long state, long latencyWord, boolean slow) {
    for (; ; ) {
      if ((state & COUNTED) != 0 && ServerStats.stampUnitsAfter(latencyWord, state) <= 0) {
        return state;
      }
      int level = level(state);
      int next = slow ? Math.min(MAX_LEVEL, level + 1) : Math.max(0, level - DOWN);
      if (next == 0 && level == 0) {
        // A normal sample of a server without a level: nothing to remember, nothing written.
        return state;
      }
      long updated = ((long) next << LEVEL_SHIFT) | COUNTED | (latencyWord & STAMP_MASK);
      if (STATE.compareAndSet(this, state, updated)) {
        if (level == 0 && next > 0) {
          leveled.incrementAndGet();
        } else if (level > 0 && next == 0) {
          leveled.decrementAndGet();
        }
        return updated;
      }
      state = read();
    }
  }

  /**
   * One balancer's back-offs (or one routing part's), kept in its state store across snapshots: one
   * per server, keyed by the identity of the server's statistics, so that re-weighting a server
   * keeps its level while a server removed and added back (fresh statistics) gets a fresh one; and
   * the count of those with a level (see the class comment).
   */
  static final class Fleet {
    private final ConcurrentHashMap<ServerStats, SlowServerBackoff> byStats =
        new ConcurrentHashMap<>();
    private final AtomicInteger leveled = new AtomicInteger();

    /**
     * The back-offs of {@code endpoints}, indexed alike, created for servers new to the fleet; the
     * servers that left it (or are not eligible now) are forgotten, and come back without a level.
     */
    SlowServerBackoff[] of(Endpoint[] endpoints) {
      SlowServerBackoff[] backoff = new SlowServerBackoff[endpoints.length];
      Set<ServerStats> current = Sets.newIdentityHashSet();
      for (int i = 0; i < endpoints.length; i++) {
        backoff[i] =
            byStats.computeIfAbsent(endpoints[i].stats, s -> new SlowServerBackoff(leveled));
        current.add(endpoints[i].stats);
      }
      byStats.keySet().removeIf(s -> !current.contains(s));
      return backoff;
    }

    /**
     * Whether any back-off of this fleet may have a level: false only when none has one (as far as
     * this thread has seen the counter; see the class comment).
     */
    boolean anyLevel() {
      return leveled.getOpaque() != 0;
    }

    /** How many back-offs of this fleet have a level (tests). */
    int leveled() {
      return leveled.get();
    }
  }
}
