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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.common.collect.ImmutableList;
import com.google.common.math.LongMath;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Exactness and smoothness of {@link Selectors#weightedRoundRobin()}, mostly through the
 * package-private {@link WeightedRoundRobinSelector.Schedule}, whose {@code indexAt(c)} tells where
 * pick number {@code c} goes without touching a counter.
 */
class WeightedRoundRobinSelectorTest {
  private static final Accounting RECORDER =
      new Accounting(
          new FakeTicker(),
          false,
          false,
          Duration.ofMinutes(5).toNanos(),
          LatencyModel.DEFAULT,
          null);

  // ---- helpers ----

  private static Endpoint[] endpoints(double... weights) {
    Endpoint[] out = new Endpoint[weights.length];
    for (int i = 0; i < weights.length; i++) {
      Server s = Server.builder("s" + i, 80).weight(weights[i]).build();
      out[i] = new Endpoint(s, 1.0, new ServerStats(), RECORDER);
    }
    return out;
  }

  private static WeightedRoundRobinSelector.Schedule schedule(
      AtomicLong counter, double... weights) {
    Endpoint[] e = endpoints(weights);
    return new WeightedRoundRobinSelector.Schedule(
        e, WeightedRoundRobinSelector.quantize(weights), counter);
  }

  private static WeightedRoundRobinSelector.Schedule schedule(double... weights) {
    return schedule(new AtomicLong(), weights);
  }

  private static long sum(double... weights) {
    long s = 0;
    for (double w : weights) {
      s += (long) w;
    }
    return s;
  }

  private static long gcd(double... weights) {
    long g = 0;
    for (double w : weights) {
      g = LongMath.gcd(g, (long) w);
    }
    return g;
  }

  /**
   * Asserts that every window of {@code sum(weights)} consecutive picks starting at {@code from},
   * {@code from + 1}, ..., {@code from + starts - 1} holds exactly {@code weights[i]} picks of
   * server i (a sliding count: each step drops the oldest pick and adds the next).
   */
  private static void assertExactWindows(
      WeightedRoundRobinSelector.Schedule s, long from, int starts, double... weights) {
    long window = sum(weights);
    int n = weights.length;
    long[] counts = new long[n];
    for (long c = from; c < from + window; c++) {
      counts[s.indexAt(c)]++;
    }
    long[] expected = new long[n];
    for (int i = 0; i < n; i++) {
      expected[i] = (long) weights[i];
    }
    for (int k = 0; k < starts; k++) {
      if (!Arrays.equals(counts, expected)) {
        throw new AssertionError(
            "window of "
                + window
                + " picks from "
                + (from + k)
                + " has counts "
                + Arrays.toString(counts)
                + ", expected "
                + Arrays.toString(expected));
      }
      counts[s.indexAt(from + k)]--;
      counts[s.indexAt(from + k + window)]++;
    }
  }

  /** One period of the schedule, as server indices. */
  private static int[] period(WeightedRoundRobinSelector.Schedule s) {
    int[] out = new int[(int) s.total()];
    for (int c = 0; c < out.length; c++) {
      out[c] = s.indexAt(c);
    }
    return out;
  }

  /** For each server, the longest gap between consecutive picks of it in the repeated sequence. */
  private static long[] maxGaps(int[] period, int n) {
    long[] last = new long[n];
    Arrays.fill(last, -1);
    long[] max = new long[n];
    for (int c = 0; c < 3 * period.length; c++) {
      int i = period[c % period.length];
      if (last[i] >= 0) {
        max[i] = Math.max(max[i], c - last[i]);
      }
      last[i] = c;
    }
    return max;
  }

  /** For each server, its longest run of back-to-back picks in the repeated sequence. */
  private static int[] maxRuns(int[] period, int n) {
    int[] max = new int[n];
    int run = 0;
    int previous = -1;
    for (int c = 0; c < 3 * period.length; c++) {
      int i = period[c % period.length];
      run = i == previous ? run + 1 : 1;
      previous = i;
      max[i] = Math.max(max[i], run);
    }
    return max;
  }

  /**
   * The servers whose longest gap exceeds {@code factor * W / q + slack}, where q is the server's
   * share of the W slots of one period.
   */
  private static List<String> gapViolations(int[] period, long[] q, double factor, double slack) {
    long w = period.length;
    long[] gaps = maxGaps(period, q.length);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < q.length; i++) {
      double bound = factor * w / q[i] + slack;
      if (gaps[i] > bound) {
        out.add("server " + i + " (q=" + q[i] + ", W=" + w + "): gap " + gaps[i] + " > " + bound);
      }
    }
    return out;
  }

  private static double[] randomIntegerWeights(Random random, int n, int max) {
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = 1 + random.nextInt(max);
    }
    return w;
  }

  private static List<double[]> tenRandomWeightSets() {
    Random random = new Random(20260101);
    List<double[]> sets = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      int n = 2 + random.nextInt(k < 5 ? 7 : 40);
      sets.add(randomIntegerWeights(random, n, k < 5 ? 20 : 100));
    }
    return sets;
  }

  // ---- exact proportions ----

  @Test
  void everyWindowOfWeightSumPicksIsExactForFiveOneOne() {
    double[] w = {5, 1, 1};
    WeightedRoundRobinSelector.Schedule s = schedule(w);
    assertThat(s.total()).isEqualTo(7);
    assertExactWindows(s, 0, 3 * 7, w);
  }

  @Test
  void everyWindowOfWeightSumPicksIsExactForOneTwoThree() {
    double[] w = {1, 2, 3};
    WeightedRoundRobinSelector.Schedule s = schedule(w);
    assertThat(s.total()).isEqualTo(6);
    assertExactWindows(s, 0, 3 * 6, w);
  }

  @Test
  void everyWindowIsExactForRandomIntegerWeightsIncludingHugeCounterValues() {
    for (double[] w : tenRandomWeightSets()) {
      WeightedRoundRobinSelector.Schedule s = schedule(w);
      long window = sum(w);
      assertThat(s.total()).as("gcd-reduced total").isEqualTo(window / gcd(w));
      for (long from :
          new long[] {
            0,
            Integer.MAX_VALUE - window,
            (1L << 32) - window / 2,
            (1L << 40) + 17,
            Long.MAX_VALUE - 3 * window
          }) {
        assertExactWindows(s, from, (int) (2 * window), w);
      }
    }
  }

  @Test
  void picksThroughTheBalancerAreExactInEveryWindow() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.weightedRoundRobin())
            .servers(
                Server.builder("a", 80).weight(5).build(), Server.of("b", 80), Server.of("c", 80))
            .build();
    List<Server> servers = lb.servers();
    int[] picks = new int[7000];
    for (int i = 0; i < picks.length; i++) {
      picks[i] = servers.indexOf(lb.pick().server());
    }
    for (int start = 0; start + 7 <= picks.length; start++) {
      int[] counts = new int[3];
      for (int j = start; j < start + 7; j++) {
        counts[picks[j]]++;
      }
      assertThat(counts).as("window at %s", start).containsExactly(5, 1, 1);
    }
  }

  @Test
  void pickFollowsTheCounterAcrossIntBoundaries() {
    double[] w = {1, 2, 3, 4};
    for (long start : new long[] {Integer.MAX_VALUE - 5L, (1L << 32) - 3}) {
      AtomicLong counter = new AtomicLong(start);
      WeightedRoundRobinSelector.Schedule s = schedule(counter, w);
      int[] counts = new int[4];
      for (int i = 0; i < 10; i++) {
        Endpoint e = s.pick(0);
        int index = Integer.parseInt(e.server().host().substring(1));
        assertThat(index).as("pick %s", start + i).isEqualTo(s.indexAt(start + i));
        counts[index]++;
      }
      assertThat(counts).as("start %s", start).containsExactly(1, 2, 3, 4);
      assertThat(counter.get()).isEqualTo(start + 10);
    }
  }

  @Test
  void keepsPickingValidServersWhenTheCounterWrapsPastLongMaxValue() {
    // 2^63 picks will not happen in practice, but a wrap must not make the picker throw.
    AtomicLong counter = new AtomicLong(Long.MAX_VALUE - 3);
    WeightedRoundRobinSelector.Schedule s = schedule(counter, 5, 1, 1);
    for (int i = 0; i < 10; i++) {
      assertThat(s.pick(0)).isNotNull();
    }
    assertThat(counter.get()).isNegative();
  }

  @Test
  void nonIntegerWeightsGetTheirProportionWithinOnePartIn100000() {
    double[] w = {0.5, 1.5, 2.25};
    double total = 0.5 + 1.5 + 2.25;
    WeightedRoundRobinSelector.Schedule s = schedule(w);
    int picks = 1 << 20;
    long[] counts = new long[3];
    for (int c = 0; c < picks; c++) {
      counts[s.indexAt(c)]++;
    }
    for (int i = 0; i < 3; i++) {
      assertThat((double) counts[i] / picks)
          .as("server %s", i)
          .isCloseTo(w[i] / total, within(1e-5));
    }
  }

  @Test
  void tenThousandServersAreExactOverOneWindow() {
    Random random = new Random(42);
    double[] w = randomIntegerWeights(random, 10_000, 100);
    Endpoint[] e = endpoints(w);
    // Through the selector, as a balancer would build it; this completing is the point.
    Selector.Picker picker = new WeightedRoundRobinSelector().newPicker(ImmutableList.copyOf(e));
    assertThat(picker).isInstanceOf(WeightedRoundRobinSelector.Schedule.class);
    WeightedRoundRobinSelector.Schedule s = (WeightedRoundRobinSelector.Schedule) picker;
    long g = gcd(w);
    assertThat(s.total()).isEqualTo(sum(w) / g);

    for (long from : new long[] {0, 123_456_789_012L}) {
      long[] counts = new long[w.length];
      for (long c = from; c < from + s.total(); c++) {
        counts[s.indexAt(c)]++;
      }
      for (int i = 0; i < w.length; i++) {
        if (counts[i] != (long) w[i] / g) {
          throw new AssertionError(
              "server " + i + " got " + counts[i] + " picks, expected " + (long) w[i] / g);
        }
      }
    }
  }

  // ---- smoothness ----

  @Test
  void smallSchedulesAreSmooth() {
    // For these small sets every server's gaps stay within one of the ideal ceil(W / q).
    for (double[] w : List.of(new double[] {5, 1, 1}, new double[] {1, 2, 3})) {
      WeightedRoundRobinSelector.Schedule s = schedule(w);
      long[] q = WeightedRoundRobinSelector.quantize(w);
      long total = s.total();
      long[] gaps = maxGaps(period(s), w.length);
      for (int i = 0; i < w.length; i++) {
        assertThat(gaps[i])
            .as("max gap of server %s in %s", i, Arrays.toString(w))
            .isLessThanOrEqualTo(LongMath.divide(total, q[i], java.math.RoundingMode.CEILING) + 1);
      }
    }
  }

  @Test
  void heavyServerOfFiveOneOneNeverRunsMoreThanThreeInARow() {
    // Five picks of a and two others in seven slots: the best any schedule can do is runs of 3
    // and 2 ("a a b a a a c"); a bursty "a a a a a b c" runs 5.
    WeightedRoundRobinSelector.Schedule s = schedule(5, 1, 1);
    assertThat(maxRuns(period(s), 3)[0]).isLessThanOrEqualTo(3);
    assertThat(maxRuns(new int[] {0, 0, 0, 0, 0, 1, 2}, 3)[0]).isEqualTo(5);
  }

  /*
   * The bound for general weights. By the three-distance theorem (for return times of a rotation
   * to an interval), the gaps between consecutive picks of one server take at most three values
   * a, b and a + b, averaging W / q. The step g is chosen so that the continued fraction of g / W
   * has only small partial quotients, which keeps a and b of the same order, so the largest gap
   * a + b stays within about twice the mean. Measured over 3,000 random sets of 2 to 61 servers
   * with weights 1..100: the largest gap was at most 2.28 times the mean. Asserted: 2.5 W / q + 1.
   * Sending a server's picks in one burst breaks this at once: its gap is W - q + 1.
   */
  private static final double GAP_FACTOR = 2.5;

  private static final double GAP_SLACK = 1;

  @Test
  void randomWeightSetsHaveNoLongGaps() {
    for (double[] w : tenRandomWeightSets()) {
      WeightedRoundRobinSelector.Schedule s = schedule(w);
      long[] q = WeightedRoundRobinSelector.quantize(w);
      assertThat(gapViolations(period(s), q, GAP_FACTOR, GAP_SLACK))
          .as("weights %s", Arrays.toString(w))
          .isEmpty();
    }
  }

  @Test
  void gapBoundRejectsBurstySchedules() {
    // The check above would catch the naive schedule that sends each server's picks back to back.
    for (double[] w : tenRandomWeightSets()) {
      long[] q = WeightedRoundRobinSelector.quantize(w);
      long total = 0;
      for (long v : q) {
        total += v;
      }
      int[] bursty = new int[(int) total];
      int c = 0;
      for (int i = 0; i < q.length; i++) {
        for (long k = 0; k < q[i]; k++) {
          bursty[c++] = i;
        }
      }
      assertThat(gapViolations(bursty, q, GAP_FACTOR, GAP_SLACK))
          .as("weights %s", Arrays.toString(w))
          .isNotEmpty();
    }
  }

  // ---- the construction ----

  @Test
  void stepIsCoprimeWithTheTotal() {
    for (long total = 2; total <= 10_000; total++) {
      long g = WeightedRoundRobinSelector.step(total);
      if (g < 1 || g >= total || LongMath.gcd(g, total) != 1) {
        throw new AssertionError("step(" + total + ") = " + g + " is not a unit of Z_" + total);
      }
    }
  }

  /** Owner of point x: the first server whose running weight sum exceeds x, by linear search. */
  private static int owner(long[] end, long x) {
    for (int i = 0; i < end.length; i++) {
      if (end[i] > x) {
        return i;
      }
    }
    throw new AssertionError("point " + x + " is beyond the ring");
  }

  private static void assertIndexAtFindsTheIntervalOwner(double... w) {
    long[] q = WeightedRoundRobinSelector.quantize(w);
    long[] end = new long[q.length];
    long sum = 0;
    for (int i = 0; i < q.length; i++) {
      sum += q[i];
      end[i] = sum;
    }
    WeightedRoundRobinSelector.Schedule s = schedule(w);
    long total = s.total();
    assertThat(total).isEqualTo(sum);
    long g = WeightedRoundRobinSelector.step(total);
    // Visit every point x of the ring once: pick number c = x * g^-1 lands on x.
    long inverse = BigInteger.valueOf(g).modInverse(BigInteger.valueOf(total)).longValueExact();
    int owner = 0;
    for (long x = 0; x < total; x++) {
      if (w.length <= 64) {
        owner = owner(end, x);
      } else {
        // The same linear search, resumed where the previous point left it.
        while (end[owner] <= x) {
          owner++;
        }
      }
      long c =
          BigInteger.valueOf(x)
              .multiply(BigInteger.valueOf(inverse))
              .mod(BigInteger.valueOf(total))
              .longValueExact();
      if (s.indexAt(c) != owner) {
        throw new AssertionError(
            "indexAt(" + c + ") = " + s.indexAt(c) + " but point " + x + " belongs to " + owner);
      }
    }
  }

  @Test
  void indexAtAgreesWithLinearSearchForEveryPoint() {
    assertIndexAtFindsTheIntervalOwner(5, 1, 1);
    assertIndexAtFindsTheIntervalOwner(1, 1);
    assertIndexAtFindsTheIntervalOwner(2, 3, 4, 5);
    for (double[] w : tenRandomWeightSets()) {
      assertIndexAtFindsTheIntervalOwner(w);
    }
    // Many tiny intervals crowded into the bucket of one huge one, and the reverse.
    double[] crowded = new double[50];
    Arrays.fill(crowded, 1);
    crowded[0] = 1_000_000;
    assertIndexAtFindsTheIntervalOwner(crowded);
    double[] crowdedAtEnd = crowded.clone();
    crowdedAtEnd[0] = 1;
    crowdedAtEnd[49] = 1_000_000;
    assertIndexAtFindsTheIntervalOwner(crowdedAtEnd);
    assertIndexAtFindsTheIntervalOwner(randomIntegerWeights(new Random(7), 10_000, 100));
  }

  @Test
  void quantizeKeepsIntegerWeightsExactAndScalesTheRest() {
    assertThat(WeightedRoundRobinSelector.quantize(new double[] {2, 4, 6}))
        .containsExactly(1, 2, 3);
    assertThat(WeightedRoundRobinSelector.quantize(new double[] {5, 1, 1}))
        .containsExactly(5, 1, 1);
    // Non-integer: scaled to a total of about 2^20 (then gcd-reduced), in proportion.
    long[] q = WeightedRoundRobinSelector.quantize(new double[] {0.5, 1.5});
    assertThat(q).containsExactly(1, 3);
    // A weight too small to register still gets one slot rather than none.
    long[] tiny = WeightedRoundRobinSelector.quantize(new double[] {1e-9, 1});
    assertThat(tiny[0]).isEqualTo(1);
    assertThat(tiny[1]).isGreaterThan(1_000_000);
    // Integers summing past 2^24 are scaled too, keeping their ratio.
    long[] big = WeightedRoundRobinSelector.quantize(new double[] {1L << 24, 3L << 24});
    assertThat(big).containsExactly(1, 3);
    long[] bigUneven = WeightedRoundRobinSelector.quantize(new double[] {20_000_001, 10_000_000});
    assertThat((double) bigUneven[0] / bigUneven[1]).isCloseTo(2.0, within(1e-5));
  }

  @Test
  void balancerSkipsIneligibleServersAndKeepsProportionsOfTheRest() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.weightedRoundRobin())
            .servers(
                Server.builder("a", 80).weight(3).build(),
                Server.builder("b", 80).weight(2).build(),
                Server.builder("c", 80).weight(1).build())
            .build();
    lb.setHealth("b:80", HealthState.UNHEALTHY);
    int a = 0;
    int c = 0;
    for (int i = 0; i < 4000; i++) {
      if (lb.pick().server().host().equals("a")) {
        a++;
      } else {
        c++;
      }
    }
    assertThat(a).isEqualTo(3000);
    assertThat(c).isEqualTo(1000);
  }

  @Test
  void singleServerAndMetadata() {
    Selector selector = Selectors.weightedRoundRobin();
    assertThat(selector.name()).isEqualTo("weighted_round_robin");
    assertThat(selector.usesInFlight()).isFalse();
    assertThat(selector.usesLatency()).isFalse();
    LoadBalancer lb =
        LoadBalancer.builder().selector(selector).servers(Server.of("a", 80).withWeight(3)).build();
    for (int i = 0; i < 10; i++) {
      assertThat(lb.pick().server().host()).isEqualTo("a");
    }
  }

  @Test
  void picksFollowTheScheduleWhetherItIsTabulatedOrLookedUp() {
    // Tabulated in pick order (small totals, and weights up to 16 per server), by nginx's smooth
    // table (total 6), and looked up (weights too large to tabulate): pick c is always the server
    // indexAt(c) names, across a period boundary and from a counter that starts far along.
    double[] tenThousand = new double[10_000];
    for (int i = 0; i < tenThousand.length; i++) {
      tenThousand[i] = 1 + i % 10;
    }
    double[][] cases = {tenThousand, {1, 2, 3}, {5, 1}, {1000, 3, 7}, {1, 1}, {0.5, 0.25, 2.5}};
    for (double[] weights : cases) {
      long start = (1L << 40) + 12_345;
      AtomicLong counter = new AtomicLong(start);
      Endpoint[] e = endpoints(weights);
      WeightedRoundRobinSelector.Schedule s =
          new WeightedRoundRobinSelector.Schedule(
              e, WeightedRoundRobinSelector.quantize(weights), counter);
      long picks = Math.min(3 * s.total() + 7, 200_000);
      for (long c = start; c < start + picks; c++) {
        assertThat(s.pick(0))
            .as("pick %s of weights %s", c, weights.length)
            .isSameAs(e[s.indexAt(c)]);
      }
    }
  }
}
