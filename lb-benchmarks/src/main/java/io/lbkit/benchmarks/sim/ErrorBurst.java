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
 * A period in which one server answers a fraction of its requests with an error, fast: from {@code
 * fromNanos} (inclusive) to {@code toNanos} (exclusive), each request that arrives at the server
 * fails with probability {@code fraction} after {@code latencyNanos}, without queueing (the server
 * rejects it at once: the "fail-fast sinkhole"). The client completes such a pick with {@link
 * io.lbkit.core.Outcome#FAILURE}.
 *
 * @param server the server's index
 * @param fromNanos start of the period
 * @param toNanos end of the period
 * @param fraction the probability that a request fails, in (0, 1]
 * @param latencyNanos how long an error response takes
 */
public record ErrorBurst(
    int server, long fromNanos, long toNanos, double fraction, long latencyNanos) {
  /** Checks the arguments. */
  public ErrorBurst {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(fromNanos <= toNanos, "period ends before it starts");
    checkArgument(fraction > 0 && fraction <= 1, "fraction must be in (0, 1] but was %s", fraction);
    checkArgument(latencyNanos >= 0, "error latency must be at least 0");
  }

  boolean covers(int index, long nowNanos) {
    return index == server && nowNanos >= fromNanos && nowNanos < toNanos;
  }
}
