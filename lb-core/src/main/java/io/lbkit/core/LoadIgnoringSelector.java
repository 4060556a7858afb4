package io.lbkit.core;

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

  @Override
  public abstract Picker newPicker(PickerInputs inputs);
}
