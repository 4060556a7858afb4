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
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Round robin over the eligible endpoints. The counter is a 64-bit {@code AtomicLong} kept by the
 * selector, so it survives snapshot changes and cannot overflow in practice (2^63 picks); the index
 * is its remainder modulo n, which cycles exactly. {@code getAndIncrement} is one atomic add: every
 * pick of the balancer touches this one counter, which is what exact cycling costs.
 */
final class RoundRobinSelector extends LoadIgnoringSelector {
  RoundRobinSelector() {
    super("round_robin");
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    AtomicLong counter = inputs.state(this, RotationCounter::new).positioned(random);
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    if (array.length == 1) {
      Endpoint only = array[0];
      return now -> only;
    }
    double[] factors = WarmupFactors.of(array);
    if (factors != null) {
      // Some servers are warming up: cycle smoothly in proportion to their ramp instead.
      return WeightedRoundRobinSelector.schedule(array, factors, counter);
    }
    return new RoundRobinPicker(array, counter);
  }

  private static final class RoundRobinPicker implements Picker {
    private final Endpoint[] endpoints;
    private final AtomicLong counter;

    RoundRobinPicker(Endpoint[] endpoints, AtomicLong counter) {
      this.endpoints = endpoints;
      this.counter = counter;
    }

    @Override
    public Endpoint pick(long nowNanos) {
      // floorMod: a valid index even after the counter wraps past Long.MAX_VALUE.
      return endpoints[Math.floorMod(counter.getAndIncrement(), endpoints.length)];
    }
  }
}
