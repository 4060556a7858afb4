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
import java.util.ArrayDeque;
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
    int n = array.length;
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double[] scaled = new double[n];
    ArrayDeque<Integer> small = new ArrayDeque<>();
    ArrayDeque<Integer> large = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      scaled[i] = weights[i] * n / total;
      (scaled[i] < 1.0 ? small : large).add(i);
    }
    double[] probability = new double[n];
    int[] alias = new int[n];
    while (!small.isEmpty() && !large.isEmpty()) {
      int s = small.poll();
      int l = large.poll();
      probability[s] = scaled[s];
      alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1.0;
      (scaled[l] < 1.0 ? small : large).add(l);
    }
    // What is left is 1.0 up to rounding.
    for (int i : large) {
      probability[i] = 1.0;
      alias[i] = i;
    }
    for (int i : small) {
      probability[i] = 1.0;
      alias[i] = i;
    }
    return new AliasPicker(array, probability, alias, random);
  }

  private static final class AliasPicker implements Picker {
    private final Endpoint[] endpoints;
    private final double[] probability;
    private final int[] alias;
    private final RandomGenerator random;

    AliasPicker(Endpoint[] endpoints, double[] probability, int[] alias, RandomGenerator random) {
      this.endpoints = endpoints;
      this.probability = probability;
      this.alias = alias;
      this.random = random;
    }

    @Override
    public Endpoint pick(long nowNanos) {
      double u = random.nextDouble() * endpoints.length;
      // min(): u can round up to exactly n when n is large.
      int column = Math.min((int) u, endpoints.length - 1);
      return endpoints[(u - column) < probability[column] ? column : alias[column]];
    }
  }
}
