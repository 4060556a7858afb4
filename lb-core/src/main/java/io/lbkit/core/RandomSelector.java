package io.lbkit.core;

import com.google.common.collect.ImmutableList;
import java.util.concurrent.ThreadLocalRandom;

/** Uniform random choice; {@link ThreadLocalRandom} needs no shared state at all. */
final class RandomSelector extends LoadIgnoringSelector {
  RandomSelector() {
    super("random");
  }

  @Override
  public Picker newPicker(ImmutableList<Endpoint> endpoints) {
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    double[] factors = WarmupFactors.of(array);
    if (factors != null) {
      // Some servers are warming up: choose in proportion to their ramp instead.
      return WeightedRandomSelector.alias(array, factors);
    }
    return now -> array[ThreadLocalRandom.current().nextInt(array.length)];
  }
}
