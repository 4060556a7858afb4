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
 * are broken uniformly at random by reservoir sampling over the tied endpoints, so the first
 * endpoint of the list gets no more than its share when all are idle.
 */
final class LeastLoadedSelector extends LoadMetricSelector {
  LeastLoadedSelector(String name, LoadMetric metric) {
    super(name, metric);
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    LoadMetric m = metric;
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
