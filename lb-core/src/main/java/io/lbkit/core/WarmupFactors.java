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

import org.jspecify.annotations.Nullable;

/** The slow-start factors of a snapshot's endpoints, for selectors that otherwise ignore weight. */
final class WarmupFactors {
  private WarmupFactors() {}

  /** The factors, or null when no endpoint is warming up (the common case). */
  static double @Nullable [] of(Endpoint[] endpoints) {
    boolean warming = false;
    for (Endpoint e : endpoints) {
      warming |= e.warmupFactor < 1.0;
    }
    if (!warming) {
      return null;
    }
    double[] factors = new double[endpoints.length];
    for (int i = 0; i < endpoints.length; i++) {
      factors[i] = endpoints[i].warmupFactor;
    }
    return factors;
  }
}
