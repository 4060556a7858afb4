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

/**
 * The endpoint of least load by a {@link LoadMetric}, found by scanning all of them (O(n)). Ties
 * are broken uniformly at random, so the first endpoint of the list gets no more than its share
 * when all are idle: up to {@value #SET_LIMIT} endpoints by one draw among the tied ones, kept as a
 * set of indices during the scan; larger fleets by reservoir sampling, a draw per tie.
 */
final class LeastLoadedSelector extends LoadMetricSelector {
  /** The largest fleet whose tied endpoints fit a set of indices in one long. */
  static final int SET_LIMIT = Long.SIZE;

  LeastLoadedSelector(String name, LoadMetric metric) {
    super(name, metric);
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    LoadMetric m = metric;
    return array.length <= SET_LIMIT ? small(array, m, random) : reservoir(array, m, random);
  }

  /**
   * One draw per pick among the tied endpoints, after the scan: a draw per tie during it costs a
   * generator call and a branch the processor cannot predict for every idle endpoint, and idle
   * endpoints, the common case, all tie.
   */
  private static Picker small(Endpoint[] array, LoadMetric m, RandomGenerator random) {
    return now -> {
      double bestLoad = Double.POSITIVE_INFINITY;
      long tied = 0;
      for (int i = 0; i < array.length; i++) {
        double load = m.load(array[i], now);
        if (load < bestLoad) {
          bestLoad = load;
          tied = 1L << i;
        } else if (load == bestLoad) {
          tied |= 1L << i;
        }
      }
      if (tied == 0) {
        return array[0]; // every load NaN, which no metric should give: any endpoint will do
      }
      if ((tied & (tied - 1)) == 0) {
        return array[Long.numberOfTrailingZeros(tied)];
      }
      // One draw, both halves used. First an index of the whole fleet from the high 31 bits: if it
      // is tied, it is the pick. When all endpoints tie (all idle) that is every pick, and the
      // branch is then as predictable as the processor can wish; a loop over the tied indices
      // would mispredict its exit on most picks. Otherwise drop a number of the lowest tied
      // indices drawn from the low 31 bits (uniform over the c tied ones); the next is the pick.
      // Each tied endpoint then wins with probability 1/n + (1 - c/n) / c = 1/c. Both draws by a
      // multiply and a shift, no division.
      long r = random.nextLong();
      int i = (int) (((r >>> 33) * array.length) >>> 31);
      if ((tied & (1L << i)) != 0) {
        return array[i];
      }
      for (int k = (int) (((r & 0x7FFF_FFFFL) * Long.bitCount(tied)) >>> 31); k > 0; k--) {
        tied &= tied - 1;
      }
      return array[Long.numberOfTrailingZeros(tied)];
    };
  }

  /** Reservoir sampling over the tied endpoints: each of k tied ones wins with probability 1/k. */
  private static Picker reservoir(Endpoint[] array, LoadMetric m, RandomGenerator random) {
    return now -> {
      Endpoint best = array[0];
      double bestLoad = m.load(best, now);
      int ties = 1;
      for (int i = 1; i < array.length; i++) {
        Endpoint e = array[i];
        double load = m.load(e, now);
        if (load < bestLoad) {
          best = e;
          bestLoad = load;
          ties = 1;
        } else if (load == bestLoad && random.nextInt(++ties) == 0) {
          best = e;
        }
      }
      return best;
    };
  }
}
