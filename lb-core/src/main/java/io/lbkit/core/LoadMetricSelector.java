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
