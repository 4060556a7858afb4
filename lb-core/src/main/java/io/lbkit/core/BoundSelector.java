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

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * A selector as one balancer uses it: the selector, the balancer's random source, the state the
 * selector keeps for this balancer across snapshots ({@link PickerInputs#state}), and the
 * balancer-wide in-flight counter when the selector reads it. The state lives here, with the
 * balancer, so that one selector instance can serve several balancers.
 */
final class BoundSelector {
  final Selector selector;
  final RandomGenerator random;
  private final ConcurrentHashMap<Object, Object> state = new ConcurrentHashMap<>();

  /** The in-flight total that picks count in, if the selector reads it; else null. */
  final @Nullable ServerStats total;

  /** The balancer's probe transport and load-report receivers, for a probing selector. */
  final ProbeLink probes;

  BoundSelector(Selector selector, RandomGenerator random, boolean trackInFlight) {
    this(selector, random, trackInFlight, new ProbeLink(null));
  }

  BoundSelector(
      Selector selector, RandomGenerator random, boolean trackInFlight, ProbeLink probes) {
    this.selector = requireNonNull(selector, "selector");
    this.random = requireNonNull(random, "random");
    this.probes = requireNonNull(probes, "probes");
    this.total = trackInFlight && selector.usesInFlightTotal() ? new ServerStats() : null;
  }

  /** Builds the picker of one snapshot: called off the pick path. */
  Selector.Picker newPicker(
      ImmutableList<Endpoint> endpoints, ImmutableMap<String, Member> members) {
    Selector.Picker picker =
        selector.newPicker(PickerInputs.of(endpoints, members, random, state, total, probes));
    if (picker == null) {
      throw new IllegalStateException(selector.name() + " returned no picker");
    }
    return picker;
  }
}
