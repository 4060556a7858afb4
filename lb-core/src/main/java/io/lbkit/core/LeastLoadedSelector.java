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

import static com.google.common.base.Preconditions.checkArgument;

import java.util.random.RandomGenerator;

/**
 * The endpoint of least load by one of the built-in in-flight metrics (least connections, weighted
 * or not), found by scanning all of them (O(n)) through {@link InFlightPicker}. Ties are broken
 * uniformly at random, so the first endpoint of the list gets no more than its share when all are
 * idle, by one draw per pick rather than one per tie: a draw per tie costs a generator call and a
 * branch the processor cannot predict for every idle endpoint, and idle endpoints, the common case,
 * all tie. Up to {@value #SET_LIMIT} endpoints the tied ones are kept as a set of indices during
 * the scan; a larger fleet counts them, and finds the chosen one by a second pass when the draw
 * needs it.
 */
final class LeastLoadedSelector extends LoadMetricSelector {
  /** The largest fleet whose tied endpoints fit a set of indices in one long. */
  static final int SET_LIMIT = Long.SIZE;

  LeastLoadedSelector(String name, LoadMetric metric) {
    super(name, metric);
    checkArgument(InFlightPicker.computes(metric), "not a built-in in-flight metric: %s", metric);
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    Endpoint[] array = inputs.endpoints().toArray(new Endpoint[0]);
    if (array.length == 1) {
      Endpoint only = array[0];
      return now -> only;
    }
    RandomGenerator random = inputs.random();
    return array.length <= SET_LIMIT
        ? new TiedSet(array, metric, random)
        : new TiedCount(array, metric, random);
  }

  /** Fleets of up to {@value #SET_LIMIT}: the tied endpoints as a set of indices. */
  private static final class TiedSet extends InFlightPicker {
    TiedSet(Endpoint[] endpoints, LoadMetric metric, RandomGenerator random) {
      super(endpoints, metric, random);
    }

    @Override
    public Endpoint pick(long now) {
      int epoch = epoch(now);
      double bestLoad = Double.POSITIVE_INFINITY;
      long tied = 0;
      for (int i = 0; i < endpoints.length; i++) {
        double load = load(i, epoch, now);
        if (load < bestLoad) {
          bestLoad = load;
          tied = 1L << i;
        } else if (load == bestLoad) {
          tied |= 1L << i;
        }
      }
      if (tied == 0) {
        return endpoints[0]; // every load NaN, which no count should give: any endpoint will do
      }
      if ((tied & (tied - 1)) == 0) {
        return endpoints[Long.numberOfTrailingZeros(tied)];
      }
      // One draw, both halves used. First an index of the whole fleet from the high 31 bits: if it
      // is tied, it is the pick. When all endpoints tie (all idle) that is every pick, and the
      // branch is then as predictable as the processor can wish; a loop over the tied indices
      // would mispredict its exit on most picks. Otherwise drop a number of the lowest tied
      // indices drawn from the low 31 bits (uniform over the c tied ones); the next is the pick.
      // Each tied endpoint then wins with probability 1/n + (1 - c/n) / c = 1/c. Both draws by a
      // multiply and a shift, no division.
      long r = random.nextLong();
      int i = (int) (((r >>> 33) * endpoints.length) >>> 31);
      if ((tied & (1L << i)) != 0) {
        return endpoints[i];
      }
      for (int k = (int) (((r & 0x7FFF_FFFFL) * Long.bitCount(tied)) >>> 31); k > 0; k--) {
        tied &= tied - 1;
      }
      return endpoints[Long.numberOfTrailingZeros(tied)];
    }
  }

  /**
   * Larger fleets: the scan counts the tied endpoints, then the same draw as {@link TiedSet}'s
   * chooses among them: an index of the whole fleet, taken if tied (one more load read), else the
   * k-th tied endpoint, found by a second scan. An idle fleet, the common case, costs one scan and
   * one draw; a fleet with few idle endpoints, about two scans.
   */
  private static final class TiedCount extends InFlightPicker {
    TiedCount(Endpoint[] endpoints, LoadMetric metric, RandomGenerator random) {
      super(endpoints, metric, random);
    }

    @Override
    public Endpoint pick(long now) {
      int n = endpoints.length;
      int epoch = epoch(now);
      double bestLoad = Double.POSITIVE_INFINITY;
      int first = 0;
      int count = 0;
      for (int i = 0; i < n; i++) {
        double load = load(i, epoch, now);
        if (load < bestLoad) {
          bestLoad = load;
          first = i;
          count = 1;
        } else if (load == bestLoad) {
          count++;
        }
      }
      if (count <= 1) {
        return endpoints[first]; // one least loaded (or every load NaN: any endpoint will do)
      }
      long r = random.nextLong();
      int i = (int) (((r >>> 33) * n) >>> 31);
      if (load(i, epoch, now) == bestLoad) {
        return endpoints[i];
      }
      // The k-th tied endpoint, all of which lie at or after the first: loads read again, so one
      // that changed since the first scan (a concurrent pick or completion) may be skipped or
      // counted; if the second scan runs out, the last tied endpoint it met is the pick.
      int k = (int) (((r & 0x7FFF_FFFFL) * count) >>> 31);
      int chosen = first;
      for (int j = first; j < n; j++) {
        if (load(j, epoch, now) == bestLoad) {
          chosen = j;
          if (k-- == 0) {
            break;
          }
        }
      }
      return endpoints[chosen];
    }
  }
}
