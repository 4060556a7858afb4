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
 * A slow period of one server: from {@code fromNanos} (inclusive) to {@code toNanos} (exclusive) of
 * simulated time, requests that start service on the server take {@code multiplier} times their
 * base service time. Overlapping periods of one server multiply.
 *
 * @param server the server's index
 * @param fromNanos start of the period
 * @param toNanos end of the period
 * @param multiplier the factor, positive
 */
public record Slowdown(int server, long fromNanos, long toNanos, double multiplier) {
  /** Checks the arguments. */
  public Slowdown {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(fromNanos <= toNanos, "period ends before it starts");
    checkArgument(multiplier > 0 && Double.isFinite(multiplier), "bad multiplier %s", multiplier);
  }

  boolean covers(int index, long nowNanos) {
    return index == server && nowNanos >= fromNanos && nowNanos < toNanos;
  }
}
