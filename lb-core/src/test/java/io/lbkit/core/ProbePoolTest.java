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

import com.google.common.collect.ImmutableList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The probe pool's hot threshold: the nearest-rank quantile of the recent RIF samples. */
class ProbePoolTest {

  /** The definition: sort, then take the smallest sample with the quantile's share at or below. */
  private static int bySorting(int[] samples, double quantile) {
    int[] sorted = samples.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(quantile * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  @Test
  void theSelectionIsTheNearestRankOfEverySampleCountAndQuantile() {
    SplittableRandom random = new SplittableRandom(11);
    double[] quantiles = {0.01, 0.25, 0.5, 0.6, 0.84, 0.9, 0.99};
    for (int count = 1; count <= ProbePool.RING; count++) {
      for (double q : quantiles) {
        for (int round = 0; round < 20; round++) {
          int[] samples = new int[count];
          for (int i = 0; i < count; i++) {
            // Small RIFs with many ties (counted), and in some rounds large ones too (sorted).
            samples[i] =
                round % 2 == 1 && random.nextInt(10) == 0
                    ? random.nextInt(100_000)
                    : random.nextInt(round % 4 == 0 ? 6 : 64);
          }
          int[] copy = Arrays.copyOf(samples, ProbePool.RING);
          int max = Arrays.stream(samples).max().orElseThrow();
          int selected =
              ProbePool.select(
                  copy, count, ProbePool.nearestRank(q, count), new int[ProbePool.RING], max);
          assertThat(selected)
              .as("q=%s of %s", q, Arrays.toString(samples))
              .isEqualTo(bySorting(samples, q));
        }
      }
    }
  }

  @Test
  void theThresholdFollowsTheSamplesThroughTheRing() {
    FakeTicker ticker = FakeTicker.awayFromZero();
    ProbingConfig config = ProbingConfig.builder().hotQuantile(0.5).build();
    ProbePool pool = new ProbePool(config, new SplittableRandom(3), ticker.read());
    assertThat(pool.hotRif()).isEqualTo(Integer.MAX_VALUE); // everything cold before any sample
    try (LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.probing(config))
            .servers(List.of(Server.of("a", 80), Server.of("b", 80)))
            .build()) {
      Endpoint endpoint = lb.eligibleEndpoints().get(0);
      pool.update(List.of(endpoint), ImmutableList.of(endpoint.server()), ticker.read());
      feed(pool, endpoint, ticker);
    }
  }

  private static void feed(ProbePool pool, Endpoint endpoint, FakeTicker ticker) {
    // 8 samples (one recomputation) of 3, then a full ring and more of 7 and 9 alternately.
    for (int i = 0; i < ProbePool.RECOMPUTE_EVERY; i++) {
      pool.receive(endpoint, LoadReport.of(3, 1_000), ticker.read(), ticker.read());
    }
    assertThat(pool.hotRif()).isEqualTo(3);
    for (int i = 0; i < 2 * ProbePool.RING; i++) {
      pool.receive(
          endpoint, LoadReport.of(i % 2 == 0 ? 7 : 9, 1_000), ticker.read(), ticker.read());
    }
    assertThat(pool.hotRif()).isEqualTo(7); // the median of 32 sevens and 32 nines, nearest rank
  }
}
