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

import com.google.common.annotations.VisibleForTesting;
import com.google.common.collect.ImmutableList;
import com.google.common.math.LongMath;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/*
 * Smooth weighted round robin in O(1) per pick, lock-free, with exact proportions.
 *
 * Construction (per snapshot, O(n)):
 *  1. Weights become positive integers q[i] with total W: integer weights are used as they are
 *     (divided by their gcd) while their sum is at most 2^24; otherwise they are scaled to a total
 *     of about 2^20, each at least 1.
 *  2. Server i owns the interval [end[i-1], end[i]) of the ring Z_W, where end is the running sum.
 *  3. Pick number c lands on the point x(c) = c * g mod W, where g is the integer closest to
 *     W / phi (phi the golden ratio) that is coprime to W.
 *
 * Because g is coprime to W, c -> x(c) is a bijection on every run of W consecutive picks: each
 * server gets exactly q[i] of any W consecutive picks, whatever the window's start. Because g/W is
 * close to the golden ratio, the points of a run are spread as evenly as an additive sequence can
 * be (the three-distance theorem: the gaps between visits of one interval take at most three
 * values), so the picks of a heavy server are interleaved with the others rather than sent in a
 * burst. This is the same smoothness that nginx's smooth WRR and Envoy's EDF aim at, without their
 * O(n) or O(log n) mutable state per pick and without gRPC-java's stride scheduler's rejection
 * loop, which needs more iterations the more uneven the weights.
 *
 * Small schedules (at most 16 slots per server, 2^17 in all) are tabulated in pick order, so that
 * consecutive picks read consecutive slots: the cost per pick then does not grow with the number of
 * servers (a lookup at scattered places does, once its tables outgrow the caches). Otherwise,
 * finding the interval that holds x: x is mapped to one of T buckets (T a power of two, 2n..4n) by
 * a multiply-shift, and first[b] is the first server that reaches into bucket b. The owner of x is
 * between first[b] and first[b + 1]; with T >= 2n that range nearly always holds one or two
 * servers, and a binary search bounds the worst case (many tiny weights in one bucket) by
 * O(log n).
 *
 * Concurrency: the picker is immutable; the only shared mutable state is the selector's 64-bit
 * counter, advanced by one atomic getAndIncrement per pick (it cannot overflow in practice). The
 * counter survives snapshot changes, so a rebuild does not restart the sequence at server 0.
 */
final class WeightedRoundRobinSelector extends LoadIgnoringSelector {
  WeightedRoundRobinSelector() {
    super("weighted_round_robin");
  }

  /** Integer weights summing to at most this are used exactly. */
  static final long MAX_EXACT_TOTAL = 1L << 24;

  /** Other weights are scaled to integers summing to about this. */
  static final double SCALED_TOTAL = 1 << 20;

  private static final double INVERSE_GOLDEN_RATIO = 0.6180339887498949;

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    if (array.length == 1) {
      Endpoint only = array[0];
      return now -> only;
    }
    double[] weights = new double[array.length];
    for (int i = 0; i < array.length; i++) {
      weights[i] = array[i].weight;
    }
    return new Schedule(
        array, quantize(weights), inputs.state(this, RotationCounter::new).positioned(random));
  }

  /**
   * A smooth weighted schedule over endpoints with the given weights, advanced by {@code counter};
   * round robin uses it (weighted by the slow-start factors) while servers warm up.
   */
  static Picker schedule(Endpoint[] endpoints, double[] weights, AtomicLong counter) {
    return new Schedule(endpoints, quantize(weights), counter);
  }

  /** The integer weights the schedule uses: exact when possible, else scaled, gcd-reduced. */
  @VisibleForTesting
  static long[] quantize(double[] weights) {
    int n = weights.length;
    long[] q = new long[n];
    double total = 0;
    boolean integral = true;
    for (double w : weights) {
      total += w;
      integral &= w == Math.rint(w);
    }
    if (integral && total <= MAX_EXACT_TOTAL) {
      for (int i = 0; i < n; i++) {
        q[i] = (long) weights[i];
      }
    } else {
      double scale = SCALED_TOTAL / total;
      for (int i = 0; i < n; i++) {
        q[i] = Math.max(1, Math.round(weights[i] * scale));
      }
    }
    long gcd = q[0];
    for (long v : q) {
      gcd = LongMath.gcd(gcd, v);
    }
    for (int i = 0; i < n; i++) {
      q[i] /= gcd;
    }
    return q;
  }

  /**
   * The step: an integer g near W / phi, coprime to W (so c * g mod W is a bijection), chosen so
   * that the continued fraction of g / W has the smallest largest partial quotient. A large partial
   * quotient means that some multiple of g is very close to a multiple of W, so the points c * g
   * mod W drift slowly in a few lanes and a server's interval can go unvisited for many times its
   * mean gap; "nearest to W / phi" alone does not prevent that (W = 622 gives g = 385 = [0; 1, 1,
   * 1, 1, 1, 1, 1, 29]).
   */
  @VisibleForTesting
  static long step(long total) {
    if (total <= 2) {
      return 1;
    }
    long g0 = Math.max(1, Math.min(total - 1, Math.round(total * INVERSE_GOLDEN_RATIO)));
    long best = -1;
    long bestQuotient = Long.MAX_VALUE;
    for (long d = 0; d < total; d++) {
      for (long g : new long[] {g0 + d, g0 - d}) {
        if (g >= 1 && g < total && LongMath.gcd(g, total) == 1) {
          long q = maxPartialQuotient(g, total);
          if (q < bestQuotient) {
            best = g;
            bestQuotient = q;
          }
        }
      }
      if (bestQuotient <= 2 || (d >= 64 && bestQuotient <= 3) || d >= 4096) {
        break;
      }
    }
    return best;
  }

  /** The largest partial quotient of the continued fraction of g / total (0 < g < total). */
  @VisibleForTesting
  static long maxPartialQuotient(long g, long total) {
    long max = 0;
    long p = total;
    long q = g;
    while (q != 0) {
      max = Math.max(max, p / q);
      long r = p % q;
      p = q;
      q = r;
    }
    return max;
  }

  /** Schedules of at most this many slots are tabulated when no step spreads them evenly. */
  static final long MAX_TABLE = 4096;

  /**
   * Schedules of at most this many slots, and at most {@link #ORDER_TABLE_PER_SERVER} per server,
   * are tabulated in pick order (at most 512 KiB per snapshot).
   */
  static final long MAX_ORDER_TABLE = 1 << 17;

  /**
   * See {@link #MAX_ORDER_TABLE}: weights 1..16 per server are tabulated, larger ones looked up.
   */
  static final long ORDER_TABLE_PER_SERVER = 16;

  /**
   * One period of nginx's smooth weighted round robin, for the few small totals (6, 20, 28, ...)
   * whose every step has a partial quotient above 3, such as 6 where only 1 and 5 are coprime and
   * the rotation degenerates to sending each server's picks in one burst.
   */
  static int[] smoothTable(long[] weights, long total) {
    int n = weights.length;
    long[] current = new long[n];
    int[] table = new int[(int) total];
    for (int t = 0; t < table.length; t++) {
      int best = 0;
      for (int i = 0; i < n; i++) {
        current[i] += weights[i];
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      table[t] = best;
    }
    return table;
  }

  /** The immutable schedule of one snapshot. */
  static final class Schedule implements Picker {
    private final Endpoint[] endpoints;
    private final int[] end;
    private final int[] first;
    private final long total;
    private final long step;
    private final long bucketScale;
    private final AtomicLong counter;
    private final int @Nullable [] table;
    private final Endpoint @Nullable [] slots;

    Schedule(Endpoint[] endpoints, long[] weights, AtomicLong counter) {
      int n = endpoints.length;
      this.endpoints = endpoints;
      this.counter = counter;
      this.end = new int[n];
      long sum = 0;
      for (int i = 0; i < n; i++) {
        sum += weights[i];
        end[i] = (int) sum;
      }
      this.total = sum;
      this.step = step(sum);
      int buckets = Integer.highestOneBit(n) << 2;
      // bucket(x) = (x * bucketScale) >>> 32 is monotone and < buckets for every x < total.
      this.bucketScale = ((long) buckets << 32) / total;
      this.first = new int[buckets + 1];
      int b = 0;
      for (int i = 0; i < n && b < buckets; i++) {
        int lastBucket = bucket(end[i] - 1);
        while (b <= lastBucket) {
          first[b++] = i;
        }
      }
      while (b <= buckets) {
        first[b++] = n - 1;
      }
      int[] smooth =
          sum <= MAX_TABLE && maxPartialQuotient(step, sum) > 3 ? smoothTable(weights, sum) : null;
      this.table = smooth;
      if (smooth != null || sum <= Math.min(MAX_ORDER_TABLE, ORDER_TABLE_PER_SERVER * (long) n)) {
        // Tabulate the schedule itself, as endpoints: pick c then reads slot c mod W, and
        // consecutive picks read consecutive slots, which the hardware prefetches, instead of a
        // bucket, one or two interval ends and the endpoint array at scattered places: a flat cost
        // from 3 to 10,000 servers. The same picks as indexAt, at 4 bytes per slot (compressed
        // references).
        Endpoint[] order = new Endpoint[(int) sum];
        if (smooth != null) {
          for (int r = 0; r < order.length; r++) {
            order[r] = endpoints[smooth[r]];
          }
        } else {
          // O(W) without a search or a division per slot: the owner of every point of the ring in
          // one sequential pass, then the points in pick order, x = r * step mod W, by addition.
          Endpoint[] owners = new Endpoint[(int) sum];
          int from = 0;
          for (int i = 0; i < n; i++) {
            Arrays.fill(owners, from, end[i], endpoints[i]);
            from = end[i];
          }
          long x = 0;
          for (int r = 0; r < order.length; r++) {
            order[r] = owners[(int) x];
            x += step;
            if (x >= sum) {
              x -= sum;
            }
          }
        }
        this.slots = order;
      } else {
        this.slots = null;
      }
    }

    private int bucket(long x) {
      return (int) ((x * bucketScale) >>> 32);
    }

    @Override
    public Endpoint pick(long nowNanos) {
      long c = counter.getAndIncrement();
      Endpoint[] s = slots;
      return s != null ? s[(int) Math.floorMod(c, total)] : endpoints[indexAt(c)];
    }

    /** The index of the server that pick number {@code c} (non-negative) goes to. */
    int indexAt(long c) {
      long r = Math.floorMod(c, total);
      int[] t = table;
      if (t != null) {
        return t[(int) r];
      }
      return owner((r * step) % total);
    }

    /** The index of the server whose interval holds {@code x} (0 <= x < total). */
    private int owner(long x) {
      int b = bucket(x);
      int lo = first[b];
      int hi = first[b + 1];
      // The owner of x is the first i in [lo, hi] with end[i] > x.
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (end[mid] > x) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return lo;
    }

    long total() {
      return total;
    }
  }
}
