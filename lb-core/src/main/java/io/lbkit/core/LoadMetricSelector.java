package io.lbkit.core;

import com.google.common.collect.ImmutableList;
import java.util.random.RandomGenerator;

/** A selector that compares endpoints by a {@link LoadMetric}, and reads what the metric reads. */
abstract class LoadMetricSelector implements Selector {
  private final String name;
  final LoadMetric metric;

  LoadMetricSelector(String name, LoadMetric metric) {
    this.name = name;
    this.metric = metric;
  }

  @Override
  public final boolean usesInFlight() {
    return metric.usesInFlight();
  }

  @Override
  public final boolean usesLatency() {
    return metric.usesLatency();
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
