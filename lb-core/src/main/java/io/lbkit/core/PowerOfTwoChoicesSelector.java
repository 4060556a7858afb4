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
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Power of two choices: two distinct endpoints drawn uniformly at random, the less loaded one by a
 * {@link LoadMetric} wins, a tie goes to the first draw (itself random). Drawing the second index
 * from n - 1 values and skipping the first makes the two always distinct, without a retry loop. No
 * shared state is written, so picks on different threads never contend here.
 */
final class PowerOfTwoChoicesSelector extends LoadMetricSelector {
  PowerOfTwoChoicesSelector(String name, LoadMetric metric) {
    super(name, metric);
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
    LoadMetric m = metric;
    if (m == LoadMetrics.IN_FLIGHT || m == LoadMetrics.WEIGHTED_IN_FLIGHT) {
      return new InFlightPicker(array, random, m == LoadMetrics.WEIGHTED_IN_FLIGHT);
    }
    int n = array.length;
    return now -> {
      // Both indexes from one 64-bit draw, each half scaled to its range by a multiply and a shift
      // (Lemire's method without the rejection step): one generator call and no division. The
      // bias, at most n / 2^32 per index, is far below anything a balancer could observe.
      long r = random.nextLong();
      int a = (int) (((r >>> 32) * n) >>> 32);
      int b = (int) (((r & 0xFFFF_FFFFL) * (n - 1)) >>> 32);
      if (b >= a) {
        b++;
      }
      Endpoint first = array[a];
      Endpoint second = array[b];
      return m.load(second, now) < m.load(first, now) ? second : first;
    };
  }

  /**
   * The picker for the built-in in-flight metrics, which computes their loads exactly as {@link
   * LoadMetrics} does, from arrays indexed like the endpoints: each server's statistics and its
   * divisor (the warm-up factor, or the weight). A candidate then costs the read of its statistics
   * alone, not of its endpoint first: with 10,000 servers neither fits in the near caches, and only
   * the chosen endpoint is read (by the in-flight count that follows the pick). The arrays belong
   * to this picker's snapshot and are never written after construction.
   */
  private static final class InFlightPicker implements Picker {
    private final Endpoint[] endpoints;
    private final ServerStats[] stats;
    // Null when every divisor is 1 (in-flight counts, no server warming up: the common case), so
    // that a pick reads one array less.
    private final double @Nullable [] divisors;
    private final RandomGenerator random;
    private final Accounting accounting;
    private final boolean weighted;

    InFlightPicker(Endpoint[] endpoints, RandomGenerator random, boolean weighted) {
      int n = endpoints.length;
      this.endpoints = endpoints;
      this.stats = new ServerStats[n];
      double[] d = new double[n];
      boolean ones = true;
      for (int i = 0; i < n; i++) {
        Endpoint e = endpoints[i];
        stats[i] = e.stats;
        d[i] = weighted ? e.weight : e.warmupFactor;
        ones &= d[i] == 1.0;
      }
      this.divisors = ones ? null : d;
      this.random = random;
      this.accounting = endpoints[0].accounting;
      this.weighted = weighted;
    }

    @Override
    public Endpoint pick(long now) {
      int n = endpoints.length;
      // As above: both indexes from one draw, always distinct.
      long r = random.nextLong();
      int a = (int) (((r >>> 32) * n) >>> 32);
      int b = (int) (((r & 0xFFFF_FFFFL) * (n - 1)) >>> 32);
      if (b >= a) {
        b++;
      }
      Accounting rec = accounting;
      int epoch = rec.epoch(now);
      double decay = rec.slowDecayNanos;
      double[] d = divisors;
      double divisorA = d == null ? 1.0 : d[a];
      double divisorB = d == null ? 1.0 : d[b];
      double loadA;
      double loadB;
      if (weighted) {
        // (load + 1) / weight, both sides multiplied by weightA x weightB: (loadB + 1) x weightA <
        // (loadA + 1) x weightB. Weights are positive and finite, so the order is the same (and
        // exact for whole counts and weights, where the quotients may round), and two
        // multiplications replace two divisions, which take several times as long and sit on the
        // pick's critical path.
        loadA = (LoadMetrics.inFlightLoad(stats[a], epoch, now, decay) + 1) * divisorB;
        loadB = (LoadMetrics.inFlightLoad(stats[b], epoch, now, decay) + 1) * divisorA;
      } else {
        loadA = LoadMetrics.inFlight(stats[a], divisorA, epoch, now, decay);
        loadB = LoadMetrics.inFlight(stats[b], divisorB, epoch, now, decay);
      }
      return loadB < loadA ? endpoints[b] : endpoints[a];
    }
  }
}
