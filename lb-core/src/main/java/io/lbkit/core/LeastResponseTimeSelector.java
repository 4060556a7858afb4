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
import com.google.common.math.IntMath;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Least response time: the endpoint with the least expected wait, ties broken at random in
 * proportion to weight. The requests awaiting their first response are the main signal, latency a
 * bounded correction:
 *
 * <pre>
 *   cost = (awaiting / weight + 1) x (1 + log2(max(1, estimate / (2 x typical)))
 * </pre>
 *
 * <p>Awaiting counts the server's in-flight requests whose response has not started ({@link
 * Pick#responseStarted()}): a long stream or a slowly read body still counts in flight until it
 * ends (for draining, outlier detection and status), but not as load here, since it says nothing
 * about how long a new request would wait; the estimate is the time to first response as well.
 * Weight is relative to the heaviest endpoint's. Typical is the mean estimate of up to {@value
 * #YARDSTICK_SAMPLE} sampled endpoints without the slowest of them (at least the fastest other
 * endpoint's estimate): peak-EWMA estimates of equal servers scatter above their true latency by
 * each one's recent noise, and measured against the fastest of them that scatter alone often
 * crossed the band, so equal servers got unequal shares and load moved on noise; the mean moves
 * least with one server's noise.
 *
 * <p>Idle servers of typical speed all cost 1 and share the picks in proportion to their weights (a
 * warming server follows its slow-start ramp). A server up to (1 + ResponseTimeCost.BAND) times
 * slower than typical costs what its queue costs, as with least connections, so the estimate's
 * noise neither spreads picks unevenly nor herds them; a clearly slower one costs in proportion to
 * how much slower it is. While a server has nothing awaited its estimate decays, with the latency
 * model's decay time, towards the fastest other server's (not towards zero): a server that gave one
 * slow answer, or that no pick has measured for a while, comes back as a typical server within
 * about a decay time instead of waiting for its own estimate to fall below everyone's; a server
 * that holds only started streams decays too. A server that stays slow, though, would then be tried
 * again about every decay time, and a fast reply among its slow ones, averaged in after the long
 * gap, brings the next trial sooner: so once a server has been slow on more than {@value
 * SlowServerBackoff#FREE_LEVELS} samples in a row, each further slow one doubles the time its
 * estimate takes to decay back (up to 4 times), and each normal one takes two such steps back
 * ({@link SlowServerBackoff}). One slow reply or a restarted server's first few answers are not
 * backed off.
 *
 * <p>Pick cost. Fleets of up to {@value #FULL_SCAN} endpoints are compared in full. Larger ones are
 * searched: no endpoint can cost less than an idle one of typical speed (1), so a pick takes the
 * first such endpoint it meets, accepting each with the probability of its relative weight, among
 * up to {@value #DRAWS} endpoints drawn at random, then along a walk that meets each endpoint once;
 * if the walk finds none in {@value #MAX_SCAN} endpoints it takes the cheapest of them. While a
 * fleet is not saturated that is a few endpoints per pick whatever its size (O(1)), and the same
 * choice a full scan would make; a saturated fleet costs at most {@value #MAX_SCAN}. The typical
 * estimate reads up to {@value #YARDSTICK_SAMPLE} more. All of it reads only the endpoints' own
 * atomic words: no lock, no allocation, and no shared write on the pick path but the fleet hint
 * that {@link Accounting#publishFleetLatency} writes when it moved and a back-off word when a slow
 * server's sample is counted.
 */
final class LeastResponseTimeSelector implements Selector {
  /** The most endpoints one pick of a larger fleet compares when it finds none idle and typical. */
  static final int MAX_SCAN = 128;

  /**
   * The largest fleet that every pick compares in full (at most 64 cost computations); larger ones
   * are searched (Search). It is also as many endpoints as the full comparison's set of tied
   * indices holds (one long), which it must not exceed.
   */
  static final int FULL_SCAN = Long.SIZE;

  /** How many endpoints a searching picker draws at random before it walks. */
  static final int DRAWS = 8;

  /** How many walk strides a searching picker draws from: a power of two. */
  static final int STRIDES = 16;

  /** How many endpoints' estimates set the yardstick (see newPicker). */
  static final int YARDSTICK_SAMPLE = 16;

  /** 1 / k for k up to {@link #YARDSTICK_SAMPLE} (index 0 unused): see LrtPicker.pick. */
  private static final double[] RECIPROCALS = new double[YARDSTICK_SAMPLE + 1];

  static {
    for (int k = 1; k <= YARDSTICK_SAMPLE; k++) {
      RECIPROCALS[k] = 1.0 / k;
    }
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    if (array.length == 1) {
      Endpoint only = array[0];
      return now -> only;
    }
    // Weights relative to the heaviest, so that the in-flight term keeps its scale whatever unit
    // the weights are given in.
    double maxWeight = 0;
    for (Endpoint e : array) {
      maxWeight = Math.max(maxWeight, e.weight);
    }
    double[] relativeWeight = new double[array.length];
    for (int i = 0; i < array.length; i++) {
      relativeWeight[i] = array[i].weight / maxWeight;
    }
    // Each endpoint's statistics in an array indexed like the endpoints, so that a candidate costs
    // the read of its statistics alone, not of its endpoint first: with thousands of servers
    // neither sits in the near caches, and only the chosen endpoint is read (by the in-flight
    // count that follows the pick). Never written after construction.
    ServerStats[] stats = new ServerStats[array.length];
    for (int i = 0; i < array.length; i++) {
      stats[i] = array[i].stats;
    }
    // The endpoints whose estimates set the yardsticks (typical, and the fastest as the target of
    // idle decay): all of them up to YARDSTICK_SAMPLE, else that many, so that the first pass
    // costs O(1) at any size. See yardstickStride for where they sit in the list.
    int sampled = Math.min(array.length, YARDSTICK_SAMPLE);
    int stride = yardstickStride(array.length);
    ServerStats[] yardstick = new ServerStats[sampled];
    for (int i = 0; i < sampled; i++) {
      yardstick[i] = stats[(int) ((long) i * stride % array.length)];
    }
    SlowServerBackoff.Fleet fleet = inputs.state(BACKOFF_KEY, SlowServerBackoff.Fleet::new);
    SlowServerBackoff[] backoff = fleet.of(array);
    return array.length <= FULL_SCAN
        ? new Scan(array, stats, relativeWeight, yardstick, backoff, fleet, random)
        : new Search(array, stats, relativeWeight, yardstick, backoff, fleet, random);
  }

  /**
   * The step between the yardstick's endpoints in a list of {@code n}: about n / golden ratio, the
   * nearest above it that is coprime with n, so that the sampled positions are distinct and spread
   * over the list. Evenly spaced positions (n / {@value #YARDSTICK_SAMPLE} apart) would alias with
   * a list whose layout repeats with a period dividing that spacing (three zones' servers listed in
   * turn, weights repeating 1 to 10): every sampled server would hold the same place in the
   * pattern, and the fleet's typical latency would be that of one zone, or of one kind of server. A
   * step coprime with n is coprime with every period that divides n, so the samples take distinct
   * places in any such pattern.
   */
  static int yardstickStride(int n) {
    int stride = Math.max(1, (int) (n * 0.6180339887498949));
    while (IntMath.gcd(stride, n) != 1) {
      stride++;
    }
    return stride;
  }

  /** The state store key of the back-off states, private to this selector. */
  private static final Object BACKOFF_KEY = new Object();

  /** What every picker of this selector computes before comparing costs. */
  private abstract static class LrtPicker implements Picker {
    final Endpoint[] array;
    final ServerStats[] stats;
    final double[] relativeWeight;
    final ServerStats[] yardstick;
    final SlowServerBackoff[] backoff;
    final SlowServerBackoff.Fleet fleet;
    final RandomGenerator random;
    final Accounting accounting;

    LrtPicker(
        Endpoint[] array,
        ServerStats[] stats,
        double[] relativeWeight,
        ServerStats[] yardstick,
        SlowServerBackoff[] backoff,
        SlowServerBackoff.Fleet fleet,
        RandomGenerator random) {
      this.array = array;
      this.stats = stats;
      this.relativeWeight = relativeWeight;
      this.yardstick = yardstick;
      this.backoff = backoff;
      this.fleet = fleet;
      this.random = random;
      this.accounting = array[0].accounting;
      this.decayRate = 1 / accounting.decayNanos;
    }

    /** The reciprocal of the latency model's decay time: see slowFactor. */
    final double decayRate;

    @Override
    public final Endpoint pick(long now) {
      double sum = 0;
      double max = 0;
      double min1 = Double.POSITIVE_INFINITY;
      double min2 = Double.POSITIVE_INFINITY;
      int measured = 0;
      for (ServerStats s : yardstick) {
        double estimate = ServerStats.estimateOf(s.latencyWord());
        if (estimate > 0) {
          sum += estimate;
          max = Math.max(max, estimate);
          if (estimate < min1) {
            min2 = min1;
            min1 = estimate;
          } else if (estimate < min2) {
            min2 = estimate;
          }
          measured++;
        }
      }
      // The mean without the slowest, so that one slow server does not raise the fleet's
      // yardstick (the band it is compared with, and the ceiling for its own next slow sample).
      // Multiplied by a reciprocal from a table rather than divided: a division's latency sits on
      // the path to every cost of the scan, which all compare with this yardstick.
      double typical = measured > 1 ? (sum - max) * RECIPROCALS[measured - 1] : sum;
      if (measured > 0) {
        accounting.publishFleetLatency(typical);
      }
      return choose(now, accounting.epoch(now), min1, min2, typical, measured, fleet.anyLevel());
    }

    /**
     * The pick among the endpoints, given the time and its in-flight epoch (computed once per
     * pick), the fastest and second-fastest sampled estimates, the typical one, how many were
     * measured, and whether any server of the fleet has a back-off level.
     */
    abstract Endpoint choose(
        long now, int epoch, double min1, double min2, double typical, int measured, boolean level);

    final double cost(
        int i,
        long now,
        int epoch,
        double fastest,
        double secondFastest,
        double typical,
        int measured,
        boolean anyLevel) {
      return ResponseTimeCost.of(
          stats[i],
          relativeWeight[i],
          backoff[i],
          decayRate,
          now,
          epoch,
          fastest,
          secondFastest,
          typical,
          measured,
          anyLevel);
    }
  }

  /** Small fleets: every endpoint is compared, ties broken at random in proportion to weight. */
  private static final class Scan extends LrtPicker {
    Scan(
        Endpoint[] array,
        ServerStats[] stats,
        double[] relativeWeight,
        ServerStats[] yardstick,
        SlowServerBackoff[] backoff,
        SlowServerBackoff.Fleet fleet,
        RandomGenerator random) {
      super(array, stats, relativeWeight, yardstick, backoff, fleet, random);
      double total = 0;
      for (double w : relativeWeight) {
        total += w;
      }
      this.totalWeight = total;
      // Equal weights (every relative weight 1) draw by index alone (see choose): no table to build
      // on every snapshot.
      this.weightedDraw = total == array.length ? null : AliasTable.of(relativeWeight);
    }

    /** The sum of the relative weights. */
    private final double totalWeight;

    /** Draws an endpoint in proportion to its weight; null when the weights are equal. */
    private final @Nullable AliasTable weightedDraw;

    @Override
    Endpoint choose(
        long now,
        int epoch,
        double min1,
        double min2,
        double typical,
        int measured,
        boolean level) {
      // The cheapest endpoints, as a set of indices (a fleet this small has at most 64), and their
      // total weight; one draw then chooses among them in proportion to weight. A draw per tie
      // during the scan (reservoir sampling) costs a branch the processor cannot predict per tied
      // endpoint, and idle servers of typical speed, the common case, all tie.
      double bestCost = Double.POSITIVE_INFINITY;
      long tied = 0;
      double tiedWeight = 0;
      for (int i = 0; i < array.length; i++) {
        double cost = cost(i, now, epoch, min1, min2, typical, measured, level);
        if (cost < bestCost) {
          bestCost = cost;
          tied = 1L << i;
          tiedWeight = relativeWeight[i];
        } else if (cost == bestCost) {
          tied |= 1L << i;
          tiedWeight += relativeWeight[i];
        }
      }
      if (tied == 0) {
        // No cost compared (NaN, which no estimate should give): any endpoint will do.
        return array[0];
      }
      int first = Long.numberOfTrailingZeros(tied);
      long others = tied & (tied - 1);
      if (others == 0) {
        return array[first];
      }
      if (2 * tiedWeight >= totalWeight) {
        // First an endpoint of the whole fleet drawn in proportion to weight (the alias table):
        // if it is tied, it is the pick. When all endpoints tie (all idle and of typical speed,
        // the common case) that is every pick, on a branch the processor predicts, where the loop
        // below would mispredict its exit on most picks. Otherwise the draw below, independent of
        // this one: a tied endpoint of weight w then wins with probability w/T + (1 - W/T) w/W =
        // w/W, T the fleet's weight and W the tied weight, as it should. Tried only while the
        // tied hold at least half the weight, so that it usually hits: a miss costs a generator
        // call. One draw: the index from its high 31 bits by a multiply and a shift (no
        // division), the alias choice from its low 31 bits.
        long r = random.nextLong();
        int i = (int) (((r >>> 33) * array.length) >>> 31);
        // Equal weights (the common configuration) need no table: the index is the draw.
        AliasTable table = weightedDraw;
        int j = table == null ? i : table.index(i, (r & 0x7FFF_FFFFL) * 0x1.0p-31);
        if ((tied & (1L << j)) != 0) {
          return array[j];
        }
      }
      // The draw in [0, tiedWeight), then the tied endpoints' weights subtracted in index order
      // until it falls below zero: each wins in proportion to its weight. Rounding can leave the
      // draw at or above the sum; the last tied endpoint then takes it.
      double draw = (random.nextLong() >>> 11) * 0x1.0p-53 * tiedWeight - relativeWeight[first];
      int chosen = first;
      while (draw >= 0 && others != 0) {
        chosen = Long.numberOfTrailingZeros(others);
        others &= others - 1;
        draw -= relativeWeight[chosen];
      }
      return array[chosen];
    }
  }

  /**
   * Larger fleets: the first idle endpoint of typical speed met and accepted by weight, among
   * {@value #DRAWS} random draws and then along a walk in a random order (a random start and a
   * random stride coprime with the fleet size, so that it meets each endpoint once). No endpoint
   * can cost less than such a one (1), so the pick is one a full scan could make; the draws choose
   * among the equally cheap ones exactly in proportion to weight (the walk, which only runs when
   * few are, a little less evenly: an endpoint after a run of busy ones in the walk's order is met
   * first more often). While a fleet is not saturated this is O(1) whatever its size. A saturated
   * fleet is compared over the first {@value #MAX_SCAN} endpoints of the walk, as a full scan would
   * up to that size.
   */
  private static final class Search extends LrtPicker {
    /** Strides coprime with the fleet size, one of which each pick walks by. */
    private final int[] strides;

    Search(
        Endpoint[] array,
        ServerStats[] stats,
        double[] relativeWeight,
        ServerStats[] yardstick,
        SlowServerBackoff[] backoff,
        SlowServerBackoff.Fleet fleet,
        RandomGenerator random) {
      super(array, stats, relativeWeight, yardstick, backoff, fleet, random);
      this.strides = strides(array.length);
    }

    @Override
    Endpoint choose(
        long now,
        int epoch,
        double min1,
        double min2,
        double typical,
        int measured,
        boolean level) {
      int n = array.length;
      // First a few endpoints drawn at random (with replacement): the first idle one of typical
      // speed accepted by weight is the pick, so that each such endpoint is chosen exactly in
      // proportion to its weight.
      for (int k = 0; k < DRAWS; k++) {
        // One draw: the index from its high 31 bits (a multiply and a shift, no division), the
        // acceptance by weight from its low 31 bits.
        long r = random.nextLong();
        int i = (int) (((r >>> 33) * n) >>> 31);
        double w = relativeWeight[i];
        if (cost(i, now, epoch, min1, min2, typical, measured, level) <= 1.0
            && (w == 1.0 || (r & 0x7FFF_FFFFL) * 0x1.0p-31 < w)) {
          return array[i];
        }
      }
      // Few or none of them: a walk that meets each endpoint once, from a random start with a
      // random stride, for the cheapest of the first MAX_SCAN.
      long bits = random.nextLong();
      // The start from the high 31 bits by a multiply and a shift (no division), the stride from
      // the low bits.
      int i = (int) (((bits >>> 33) * n) >>> 31);
      int stride = strides[(int) bits & (STRIDES - 1)];
      int best = i;
      double bestCost = Double.POSITIVE_INFINITY;
      double tiedWeight = 0;
      int scan = Math.min(n, MAX_SCAN);
      for (int k = 0; k < scan; k++) {
        double w = relativeWeight[i];
        double cost = cost(i, now, epoch, min1, min2, typical, measured, level);
        if (cost <= 1.0 && (w == 1.0 || random.nextDouble() < w)) {
          return array[i];
        }
        if (cost < bestCost) {
          best = i;
          bestCost = cost;
          tiedWeight = w;
        } else if (cost == bestCost) {
          tiedWeight += w;
          if (random.nextDouble() * tiedWeight < w) {
            best = i;
          }
        }
        i += stride;
        if (i >= n) {
          i -= n;
        }
      }
      return array[best];
    }

    /**
     * {@value #STRIDES} strides in [1, n) coprime with n, spread over the range so that consecutive
     * endpoints of the list are far apart in most walks.
     */
    private static int[] strides(int n) {
      int[] strides = new int[STRIDES];
      for (int j = 0; j < STRIDES; j++) {
        int s = Math.max(1, (int) ((long) n * j / STRIDES));
        while (IntMath.gcd(s, n) != 1) {
          s++;
        }
        strides[j] = s;
      }
      return strides;
    }
  }

  @Override
  public String name() {
    return "least_response_time";
  }
}
