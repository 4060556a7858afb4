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

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proportions of {@link Selectors#random()} and {@link Selectors#weightedRandom()}.
 *
 * <p>Tolerances are five standard deviations of the binomial count, sqrt(N p (1 - p)): a correct
 * implementation fails one such check with probability below 6e-7, while a bias of a few percent is
 * far outside it.
 */
class RandomSelectorTest {

  private static LoadBalancer balancer(Selector selector, double... weights) {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      servers.add(Server.builder("s" + i, 80).weight(weights[i]).build());
    }
    return LoadBalancer.builder().selector(selector).servers(servers).build();
  }

  private static long[] count(LoadBalancer lb, int picks) {
    List<Server> servers = lb.servers();
    long[] counts = new long[servers.size()];
    for (int i = 0; i < picks; i++) {
      Pick p = lb.pick();
      counts[servers.indexOf(p.server())]++;
      p.success();
    }
    return counts;
  }

  private static double fiveSigma(int picks, double p) {
    return 5 * Math.sqrt(picks * p * (1 - p));
  }

  private static void assertProportions(long[] counts, int picks, double... weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    for (int i = 0; i < weights.length; i++) {
      double p = weights[i] / total;
      assertThat((double) counts[i])
          .as("server %s of weight %s", i, weights[i])
          .isCloseTo(picks * p, within(fiveSigma(picks, p)));
    }
  }

  @Test
  void randomIsUniform() {
    int picks = 100_000;
    long[] counts = count(balancer(Selectors.random(), 1, 1, 1, 1), picks);
    // Expected 25,000 each, 5 sigma = 685.
    assertProportions(counts, picks, 1, 1, 1, 1);
  }

  @Test
  void randomIgnoresWeights() {
    int picks = 60_000;
    long[] counts = count(balancer(Selectors.random(), 1, 10, 100), picks);
    assertProportions(counts, picks, 1, 1, 1);
  }

  @Test
  void randomNeverPicksAnIneligibleServer() {
    LoadBalancer lb = balancer(Selectors.random(), 1, 1, 1);
    lb.setHealth("s1:80", HealthState.UNHEALTHY);
    long[] counts = count(lb, 30_000);
    assertThat(counts[1]).isZero();
    assertProportions(new long[] {counts[0], counts[2]}, 30_000, 1, 1);
  }

  @Test
  void weightedRandomFollowsTheWeights() {
    int picks = 200_000;
    double[] w = {1, 2, 3, 4};
    long[] counts = count(balancer(Selectors.weightedRandom(), w), picks);
    // Expected 20,000 / 40,000 / 60,000 / 80,000; 5 sigma is 671 to 1,095.
    assertProportions(counts, picks, w);
  }

  @Test
  void weightedRandomHandlesSkewedAndUnorderedWeights() {
    int picks = 200_000;
    double[] w = {1, 1000, 1, 0.5, 37.25, 1};
    long[] counts = count(balancer(Selectors.weightedRandom(), w), picks);
    assertProportions(counts, picks, w);
  }

  @Test
  void smallWeightGetsAProportionallySmallButNonZeroShare() {
    int picks = 300_000;
    double[] w = {1e-3, 1, 1, 1};
    long[] counts = count(balancer(Selectors.weightedRandom(), w), picks);
    // Expected about 100 picks (5 sigma = 50): picked, and not a full column's 25 %.
    assertThat(counts[0]).isPositive();
    assertProportions(counts, picks, w);
  }

  @Test
  void tinyWeightIsAlmostNeverPicked() {
    int picks = 1_000_000;
    long[] counts = count(balancer(Selectors.weightedRandom(), 1e-6, 1, 1, 1), picks);
    // Expected 0.33 picks; more than 10 has a probability below 1e-12. An alias table that lost
    // the tiny weight's column to rounding would give it about 250,000.
    assertThat(counts[0]).isLessThanOrEqualTo(10);
    assertProportions(new long[] {counts[1], counts[2], counts[3]}, picks, 1, 1, 1);
  }

  @Test
  void singleServerIsAlwaysPicked() {
    for (Selector selector : List.of(Selectors.random(), Selectors.weightedRandom())) {
      LoadBalancer lb = balancer(selector, 0.25);
      long[] counts = count(lb, 1000);
      assertThat(counts).containsExactly(1000);
    }
  }

  @Test
  void reweightingTakesEffect() {
    LoadBalancer lb = balancer(Selectors.weightedRandom(), 1, 1);
    lb.updateServer(lb.servers().get(1).withWeight(9));
    int picks = 100_000;
    assertProportions(count(lb, picks), picks, 1, 9);
  }

  @Test
  void manyServersWithEqualWeightsAreUniform() {
    // Exercises the alias construction's rounding with n not a power of two.
    int n = 37;
    double[] w = new double[n];
    java.util.Arrays.fill(w, 0.1);
    int picks = 370_000;
    long[] counts = count(balancer(Selectors.weightedRandom(), w), picks);
    assertProportions(counts, picks, w);
  }

  @Test
  void namesAndStatistics() {
    assertThat(Selectors.random().name()).isEqualTo("random");
    assertThat(Selectors.weightedRandom().name()).isEqualTo("weighted_random");
    for (Selector s : List.of(Selectors.random(), Selectors.weightedRandom())) {
      assertThat(s.usesInFlight()).isFalse();
      assertThat(s.usesLatency()).isFalse();
    }
  }
}
