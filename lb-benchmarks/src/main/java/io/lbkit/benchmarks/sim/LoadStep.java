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
package io.lbkit.benchmarks.sim;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * From {@code fromNanos} on (until the next step), arrivals come at {@code factor} times the
 * scenario's base rate: a load ramp.
 *
 * @param fromNanos when the step begins
 * @param factor the multiplier of the base arrival rate, positive
 */
public record LoadStep(long fromNanos, double factor) {
  /** Checks the arguments. */
  public LoadStep {
    checkArgument(fromNanos >= 0, "step start must be at least 0");
    checkArgument(factor > 0 && Double.isFinite(factor), "bad factor %s", factor);
  }
}
