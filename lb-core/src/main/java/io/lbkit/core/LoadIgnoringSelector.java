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
