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

/** Uniform random choice; by default each thread's random generator, with no shared state. */
final class RandomSelector extends LoadIgnoringSelector {
  RandomSelector() {
    super("random");
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    double[] factors = WarmupFactors.of(array);
    if (factors != null) {
      // Some servers are warming up: choose in proportion to their ramp instead.
      return WeightedRandomSelector.alias(array, factors, random);
    }
    return now -> array[random.nextInt(array.length)];
  }
}
