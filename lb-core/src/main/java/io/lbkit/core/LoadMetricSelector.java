package io.lbkit.core;

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

  @Override
  public abstract Picker newPicker(PickerInputs inputs);
}
