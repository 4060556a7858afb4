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

/**
 * A minimal hashing selector for tests: a request with a hash key goes to endpoint {@code key mod
 * n}; a pick whose context did not reach it (no key) fails the test, so decorators that drop the
 * context are caught.
 */
final class KeyHashSelector implements Selector {
  @Override
  public Picker newPicker(ImmutableList<Endpoint> endpoints) {
    return new Picker() {
      @Override
      public Endpoint pick(long nowNanos) {
        throw new AssertionError("the pick's context was not forwarded");
      }

      @Override
      public Endpoint pick(PickContext context, long nowNanos) {
        if (!context.hasHashKey()) {
          throw new AssertionError("the pick's context has no hash key: " + context);
        }
        return endpoints.get(Math.floorMod(context.hashKey(), endpoints.size()));
      }
    };
  }

  @Override
  public boolean usesInFlight() {
    return false;
  }

  @Override
  public boolean usesLatency() {
    return false;
  }
}
