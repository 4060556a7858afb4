package io.lbkit.core;

import com.google.common.collect.ImmutableList;
import java.util.concurrent.ThreadLocalRandom;

/** Uniform random choice; {@link ThreadLocalRandom} needs no shared state at all. */
final class RandomSelector implements Selector {
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

  @Override
  public boolean usesInFlight() {
    return false;
  }

  @Override
  public boolean usesLatency() {
    return false;
  }

  @Override
  public String name() {
    return "random";
  }
}
