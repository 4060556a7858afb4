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
