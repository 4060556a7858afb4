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

import com.google.common.collect.ImmutableList;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The probing selector's state for one balancer (or one part of it): a small pool of recent probe
 * results, the servers it may probe, and the estimate of the RIF quantile that splits hot servers
 * from cold ones. Prequal's client (NSDI 2024), with lbkit's health data on top.
 *
 * <p>Concurrency. Picks read and remove results, and bump the RIF of the one they route on; probe
 * answers (on the transport's threads) add results and samples of RIF. Nothing here locks on either
 * path, and a pick allocates nothing:
 *
 * <ul>
 *   <li>Each slot of the pool is an {@link AtomicReferenceArray} element holding an immutable
 *       {@link Result} (its mutable part is one atomic counter). A result is published by a
 *       compare-and-set, which is a release: a pick that reads the slot (a volatile read, an
 *       acquire) sees the result's fields as written. Removal is a compare-and-set from the result
 *       read to null, so a pick never removes a newer result that replaced the one it looked at.
 *   <li>A single-use result (the default) is taken by the compare-and-set that removes it: of two
 *       picks that chose it at once, both route on it but only one removes it, a soft bound as
 *       below. The uses of a reusable result are one atomic add each: exactly one pick sees the use
 *       that exhausts the reuse budget, and removes it. A pick that read a slightly stale count may
 *       route one request more on a result than its budget allows: a soft bound, as in Prequal.
 *   <li>Adds never wait: a result goes to an empty slot or replaces the oldest (or the same
 *       server's older result) by one compare-and-set; if that races and fails, the result is
 *       dropped, which only costs that probe.
 *   <li>The RIF samples go to a ring of {@value #RING} by an atomic index; every {@value
 *       #RECOMPUTE_EVERY}th sample's thread recomputes the quantile from a copy and publishes it
 *       through a volatile field. The copy is one scratch array (and one of counts), held through a
 *       flag that a recomputation takes by compare-and-set: a thread that finds it taken skips its
 *       turn instead of waiting (the holder's estimate is as recent). Picks read the field once.
 * </ul>
 *
 * <p>Servers are known by a small index, stable while they stay in the membership and reused after
 * they leave; a picker maps index to its snapshot's endpoint and checks the target's identity, so
 * that a result of a server that left (or was ejected, or is draining) is never routed on.
 */
final class ProbePool implements ProbeLink.Receiver {
  static final int RING = 64;
  static final int RECOMPUTE_EVERY = 8;

  final ProbingConfig config;
  private final RandomGenerator random;
  private final long maxAgeNanos;
  private final AtomicReferenceArray<@Nullable Result> slots;
  private final ConcurrentHashMap<String, Target> targets = new ConcurrentHashMap<>();
  private final BitSet usedIndexes = new BitSet(); // guarded by this (membership changes only)

  private final AtomicIntegerArray ring = new AtomicIntegerArray(RING);
  // A recomputation's copy of the ring and its counts of small samples, used by whoever holds the
  // flag.
  private final int[] scratch = new int[RING];
  private final int[] counts = new int[RING];
  private final AtomicBoolean recomputing = new AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicLong samples =
      new java.util.concurrent.atomic.AtomicLong();

  // The latest send time of any result added (ticker nanos), raised by compare-and-set so that a
  // racing add of an older result never lowers it. Written after the result's own slot
  // compare-and-set, so a pick that reads a time here also sees that result in its slot; a pick
  // that reads an older time skips a result added concurrently, as if it had picked just before.
  private volatile long newestSentNanos;

  private static final VarHandle NEWEST;

  static {
    try {
      NEWEST = MethodHandles.lookup().findVarHandle(ProbePool.class, "newestSentNanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // Everything is cold until the first samples set a threshold.
  private volatile int hotRif = Integer.MAX_VALUE;
  // Prequal's reuse budget for the current fleet size; rewritten per snapshot.
  private volatile double reuseBudget = 1;

  /**
   * An empty pool for a balancer whose ticker reads {@code nowNanos}: nothing in it counts as fresh
   * until a result is added.
   */
  ProbePool(ProbingConfig config, RandomGenerator random, long nowNanos) {
    this.config = config;
    this.random = random;
    this.maxAgeNanos = config.maxAgeNanos();
    this.slots = new AtomicReferenceArray<>(config.poolSize());
    this.newestSentNanos = nowNanos - maxAgeNanos - 1;
  }

  /** One server the pool may probe, by a stable index. */
  static final class Target {
    final String id;
    final int index;

    // The theoretical time of this server's next probe (ticker nanos), as in the generic cell rate
    // algorithm: each probe moves it one interval past the later of itself and now, and a probe is
    // allowed while it is at most the burst's tolerance ahead of now. Advanced by compare-and-set,
    // so that racing picks never send more than the rate and the burst allow: the long-run rate
    // holds, while probes that random draws bunch together within the burst are not refused (a
    // plain minimum spacing refused about 40% of them at half the cap).
    private volatile long nextProbeNanos;

    private static final VarHandle NEXT;

    static {
      try {
        NEXT = MethodHandles.lookup().findVarHandle(Target.class, "nextProbeNanos", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    Target(String id, int index, long nowNanos) {
      this.id = id;
      this.index = index;
      this.nextProbeNanos = nowNanos;
    }

    /**
     * Whether a probe may be sent now; if so, claims it. In any span of time T at most {@code T /
     * intervalNanos + toleranceNanos / intervalNanos + 1} probes are claimed.
     */
    boolean claimProbe(long nowNanos, long intervalNanos, long toleranceNanos) {
      long next = nextProbeNanos;
      long from = next - nowNanos > 0 ? next : nowNanos;
      return from - nowNanos <= toleranceNanos
          && NEXT.compareAndSet(this, next, from + intervalNanos);
    }

    @Override
    public String toString() {
      return "Target{" + id + '#' + index + '}';
    }
  }

  /** One probe's answer, with the uses that bump its RIF. Immutable apart from the uses. */
  static final class Result {
    final Target target;
    final int rif;
    final long latencyNanos;
    final long sentNanos;
    final int budget;
    // Requests routed on this result; atomic adds only (see the class comment).
    private volatile int uses;

    private static final VarHandle USES;

    static {
      try {
        USES = MethodHandles.lookup().findVarHandle(Result.class, "uses", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    Result(Target target, int rif, long latencyNanos, long sentNanos, int budget) {
      this.target = target;
      this.rif = rif;
      this.latencyNanos = latencyNanos;
      this.sentNanos = sentNanos;
      this.budget = budget;
    }

    int uses() {
      return uses;
    }

    /** Counts one request routed on this result; returns the uses after it. */
    int use() {
      return (int) USES.getAndAdd(this, 1) + 1;
    }

    @Override
    public String toString() {
      return "Result{"
          + target.id
          + ", rif="
          + rif
          + "+"
          + uses
          + ", latency="
          + latencyNanos
          + '}';
    }
  }

  /** The endpoints of one snapshot by target index, and the targets to check identity against. */
  static final class View {
    final Target[] targets;
    final Endpoint[] endpoints;
    // The targets of the snapshot's endpoints, in the endpoints' order, for drawing probes.
    final Target[] inOrder;

    View(Target[] targets, Endpoint[] endpoints, Target[] inOrder) {
      this.targets = targets;
      this.endpoints = endpoints;
      this.inOrder = inOrder;
    }

    /** The endpoint of this result in the snapshot, or null if its server is not in it. */
    @Nullable Endpoint endpoint(Result r) {
      int i = r.target.index;
      return i < targets.length && targets[i] == r.target ? endpoints[i] : null;
    }
  }

  /**
   * The view of a new snapshot: targets for its endpoints (new ones get free indexes), and the
   * targets of servers no longer in the membership dropped. Called when a picker is built, off the
   * pick path; synchronized against other rebuilds of the same balancer's pickers.
   */
  synchronized View update(List<Endpoint> endpoints, ImmutableList<Server> members, long nowNanos) {
    Set<String> memberIds = new HashSet<>();
    for (Server s : members) {
      memberIds.add(s.id());
    }
    for (Iterator<Target> it = targets.values().iterator(); it.hasNext(); ) {
      Target t = it.next();
      if (!memberIds.contains(t.id)) {
        it.remove();
        usedIndexes.clear(t.index);
      }
    }
    Target[] inOrder = new Target[endpoints.size()];
    int size = 0;
    for (int i = 0; i < inOrder.length; i++) {
      String id = endpoints.get(i).server.id();
      Target t = targets.get(id);
      if (t == null) {
        int index = usedIndexes.nextClearBit(0);
        usedIndexes.set(index);
        t = new Target(id, index, nowNanos);
        targets.put(id, t);
      }
      inOrder[i] = t;
      size = Math.max(size, t.index + 1);
    }
    Target[] byIndex = new Target[size];
    Endpoint[] endpointByIndex = new Endpoint[size];
    for (int i = 0; i < inOrder.length; i++) {
      byIndex[inOrder[i].index] = inOrder[i];
      endpointByIndex[inOrder[i].index] = endpoints.get(i);
    }
    reuseBudget =
        reuseBudget(
            config.poolSize(), endpoints.size(), config.probesPerRequest(), config.maxReuse());
    return new View(byIndex, endpointByIndex, inOrder);
  }

  /**
   * Prequal's reuse budget: {@code max(1, (1 + delta) / ((1 - m/n) * rProbe - rRemove))} with delta
   * 1 and one removal per request, at most {@code maxReuse} (the formula has no bound when the pool
   * can hold a result of most servers).
   */
  static double reuseBudget(int poolSize, int servers, double probesPerRequest, int maxReuse) {
    double denominator =
        (1 - Math.min(poolSize, servers) / (double) servers) * probesPerRequest - 1;
    if (denominator <= 0) {
      return maxReuse;
    }
    return Math.min(maxReuse, Math.max(1, 2 / denominator));
  }

  @Override
  public void receive(Endpoint endpoint, LoadReport report, long sentNanos, long nowNanos) {
    Target t = targets.get(endpoint.server.id());
    if (t != null) {
      receive(t, report, sentNanos, nowNanos);
    } // else a server that left
  }

  /**
   * The answer to a probe of this target. No look-up: if its server has left meanwhile, the result
   * is never routed on (a view checks the target's identity) and ages out or is replaced.
   */
  void receive(Target t, LoadReport report, long sentNanos, long nowNanos) {
    if (nowNanos - sentNanos > maxAgeNanos) {
      return; // an answer too late to use
    }
    double b = reuseBudget;
    int budget = (int) b;
    if (b != budget && random.nextDouble() < b - budget) {
      budget++; // randomly rounded, as in Prequal
    }
    add(new Result(t, report.requestsInFlight(), report.latencyNanos(), sentNanos, budget));
    sample(report.requestsInFlight());
  }

  /** How many times an add scans the pool again after losing a compare-and-set. */
  static final int ADD_ATTEMPTS = 3;

  /**
   * Adds a result (see the class comment): into the same server's slot if its result there is
   * older, else an empty slot, else over the oldest result if that is older. A lost compare-and-set
   * (a pick removed or another answer replaced the slot meanwhile) scans again, at most {@value
   * #ADD_ATTEMPTS} times in all, then drops the result: lock-free, never waiting.
   */
  void add(Result r) {
    for (int attempt = 0; attempt < ADD_ATTEMPTS; attempt++) {
      if (tryAdd(r)) {
        for (long newest = newestSentNanos;
            r.sentNanos - newest > 0 && !NEWEST.compareAndSet(this, newest, r.sentNanos); ) {
          newest = newestSentNanos;
        }
        return;
      }
    }
  }

  /** The latest send time of any result added; picks skip the scan when it is too old. */
  long newestSentNanos() {
    return newestSentNanos;
  }

  /** One scan and one compare-and-set; false if the set lost a race (worth another scan). */
  private boolean tryAdd(Result r) {
    int empty = -1;
    int oldest = -1;
    @Nullable Result oldestResult = null;
    for (int i = 0; i < slots.length(); i++) {
      Result p = slots.get(i);
      if (p == null) {
        if (empty < 0) {
          empty = i;
        }
        continue;
      }
      if (p.target == r.target) {
        // The same server's newer answer replaces its older one; an older answer is dropped.
        return p.sentNanos - r.sentNanos > 0 || slots.compareAndSet(i, p, r);
      }
      if (oldestResult == null || p.sentNanos - oldestResult.sentNanos < 0) {
        oldest = i;
        oldestResult = p;
      }
    }
    if (empty >= 0) {
      return slots.compareAndSet(empty, null, r);
    }
    if (oldestResult != null && oldestResult.sentNanos - r.sentNanos <= 0) {
      return slots.compareAndSet(oldest, oldestResult, r);
    }
    return true; // every result is newer than this one: nothing to replace
  }

  /**
   * Adds one RIF sample; every few samples, recomputes the hot threshold, unless another answer's
   * thread is recomputing it at that moment (its estimate is as recent; the next one comes {@value
   * #RECOMPUTE_EVERY} samples later). Never waits and allocates nothing.
   */
  private void sample(int rif) {
    long n = samples.getAndIncrement();
    ring.set((int) (n & (RING - 1)), rif);
    if ((n + 1) % RECOMPUTE_EVERY == 0 && recomputing.compareAndSet(false, true)) {
      // The flag's compare-and-set (an acquire) and its release below order one holder's use of
      // the scratch arrays before the next holder's: the arrays need no other ordering.
      try {
        int count = (int) Math.min(n + 1, RING);
        int max = 0;
        for (int i = 0; i < count; i++) {
          int v = ring.get(i);
          scratch[i] = v;
          max = Math.max(max, v);
        }
        hotRif = select(scratch, count, nearestRank(config.hotQuantile(), count), counts, max);
      } finally {
        recomputing.set(false);
      }
    }
  }

  /**
   * The position of the nearest-rank quantile among {@code count} sorted samples: the smallest
   * sample with at least the quantile's share at or below it.
   */
  static int nearestRank(double quantile, int count) {
    int rank = (int) Math.ceil(quantile * count);
    return Math.max(0, Math.min(count - 1, rank - 1));
  }

  /**
   * The value at {@code position} (from 0) of the first {@code count} samples in ascending order;
   * {@code max} is their largest. Samples are RIFs: small whole numbers with many ties, so while
   * all are below {@code counts.length} they are counted and the counts walked to the position (a
   * pass over the samples and one over the counts, which ties do not slow down); otherwise they are
   * sorted in place. Either way nothing is allocated.
   */
  static int select(int[] samples, int count, int position, int[] counts, int max) {
    if (max < counts.length) {
      Arrays.fill(counts, 0, max + 1, 0);
      for (int i = 0; i < count; i++) {
        counts[samples[i]]++;
      }
      int seen = 0;
      for (int v = 0; v < max; v++) {
        seen += counts[v];
        if (seen > position) {
          return v;
        }
      }
      return max;
    }
    Arrays.sort(samples, 0, count);
    return samples[position];
  }

  /** The current hot threshold: a result whose RIF is above it is hot. */
  int hotRif() {
    return hotRif;
  }

  /** The pool's slots, for the picker's scan. */
  AtomicReferenceArray<@Nullable Result> slots() {
    return slots;
  }

  long maxAgeNanos() {
    return maxAgeNanos;
  }

  /** The fresh results of eligible servers now, for tests and status. */
  int freshCount(View view, long nowNanos) {
    int n = 0;
    for (int i = 0; i < slots.length(); i++) {
      Result r = slots.get(i);
      if (r != null && nowNanos - r.sentNanos <= maxAgeNanos && view.endpoint(r) != null) {
        n++;
      }
    }
    return n;
  }
}
