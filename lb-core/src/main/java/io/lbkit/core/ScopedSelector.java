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

import com.google.common.collect.ImmutableList;
import java.util.random.RandomGenerator;

/**
 * A selector that keeps state about the servers it has seen, and so must be told which part of a
 * balancer's servers a list of endpoints stands for. A routing decorator that hands its base only a
 * part of a snapshot (one subset, one zone) passes a scope naming that part, so that, for example,
 * a zone-aware selector under a subset decorator remembers the capacity of each subset's zones
 * apart instead of mixing them. Scopes are compared with {@code equals}.
 */
interface ScopedSelector extends Selector {

  /**
   * Like {@link #newPicker(ImmutableList, RandomGenerator)}, for the part of the servers named by
   * {@code scope}.
   */
  Picker newPicker(ImmutableList<Endpoint> endpoints, Object scope, RandomGenerator random);

  @Override
  default Picker newPicker(ImmutableList<Endpoint> endpoints) {
    return newPicker(endpoints, ROOT, ThreadLocalRandomGenerator.INSTANCE);
  }

  @Override
  default Picker newPicker(ImmutableList<Endpoint> endpoints, RandomGenerator random) {
    return newPicker(endpoints, ROOT, random);
  }

  /**
   * The scope of a whole snapshot: what {@link #newPicker(ImmutableList, RandomGenerator)} uses.
   */
  Object ROOT = ImmutableList.of();

  /** Builds a picker of {@code selector}, passing the scope on if the selector takes one. */
  static Picker newPicker(
      Selector selector, ImmutableList<Endpoint> endpoints, Object scope, RandomGenerator random) {
    Picker picker =
        selector instanceof ScopedSelector scoped
            ? scoped.newPicker(endpoints, scope, random)
            : selector.newPicker(endpoints, random);
    if (picker == null) {
      throw new IllegalStateException(selector.name() + " returned no picker");
    }
    return picker;
  }

  /** The scope of one part ({@code part}) of the servers of scope {@code parent}. */
  static Object child(Object parent, Object part) {
    return ImmutableList.of(parent, part);
  }
}
