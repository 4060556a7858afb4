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

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;

/** Deterministic pieces the jcstress tests build their balancers from. */
final class JcstressFixtures {
  private JcstressFixtures() {}

  /** A clock that never moves, so no in-flight epoch or latency decay depends on timing. */
  static final Ticker FROZEN_TICKER =
      new Ticker() {
        @Override
        public long read() {
          return 1_000_000_000L;
        }
      };

  /** A server whose id is the given short name. */
  static Server server(String id) {
    return Server.builder("10.0.0." + (id.charAt(0) - 'a' + 1), 8080).id(id).build();
  }

  /** A server whose id is the given short name, with a weight. */
  static Server server(String id, double weight) {
    return Server.builder("10.0.0." + (id.charAt(0) - 'a' + 1), 8080).id(id).weight(weight).build();
  }

  /**
   * Always picks the last eligible endpoint. Deterministic, so an outcome names exactly which
   * snapshot the pick read: with servers a, b, a pick returns b while b is eligible and a after b
   * was removed or made ineligible.
   */
  static final class LastSelector implements Selector {
    @Override
    public Picker newPicker(ImmutableList<Endpoint> endpoints) {
      Endpoint last = endpoints.get(endpoints.size() - 1);
      return now -> last;
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
      return "last";
    }
  }
}
