package io.lbkit.core;

import com.google.common.collect.ImmutableList;
import java.util.random.RandomGenerator;

/**
 * A selector that reads no load statistics (round robin, random and their weighted forms): the
 * balancer then neither counts in-flight requests nor times picks for it, unless health needs them.
 */
abstract class LoadIgnoringSelector implements Selector {
  private final String name;

  LoadIgnoringSelector(String name) {
    this.name = name;
  }

  @Override
  public final boolean usesInFlight() {
    return false;
  }

  @Override
  public final boolean usesLatency() {
    return false;
  }

  @Override
  public final String name() {
    return name;
  }

  /** Builds the picker with each thread's {@code ThreadLocalRandom} as the random source. */
  @Override
  public final Picker newPicker(ImmutableList<Endpoint> endpoints) {
    return newPicker(endpoints, ThreadLocalRandomGenerator.INSTANCE);
  }

  @Override
  public abstract Picker newPicker(ImmutableList<Endpoint> endpoints, RandomGenerator random);
}
