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
 * Random choice in proportion to weight with Vose's alias method: the table is built in O(n) per
 * snapshot, and a pick is one random double, one comparison and at most two array reads.
 */
final class WeightedRandomSelector extends LoadIgnoringSelector {
  WeightedRandomSelector() {
    super("weighted_random");
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    double[] weights = new double[array.length];
    for (int i = 0; i < array.length; i++) {
      weights[i] = array[i].weight;
    }
    return alias(array, weights, random);
  }

  /** An alias-method picker choosing endpoint i in proportion to {@code weights[i]}. */
  static Picker alias(Endpoint[] array, double[] weights, RandomGenerator random) {
    AliasTable table = AliasTable.of(weights);
    int n = array.length;
    return now -> {
      double u = random.nextDouble() * n;
      // min(): u can round up to exactly n when n is large.
      int column = Math.min((int) u, n - 1);
      return array[table.index(column, u - column)];
    };
  }
}
