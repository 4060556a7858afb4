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
 * A few slow answers of one server: the first {@code count} requests whose service starts at or
 * after {@code fromNanos} take {@code latencyNanos} each instead of their drawn service time (one
 * slow reply after a GC pause, or the first calls a restarted process answers while it is still
 * cold). The server's other requests are served as usual.
 *
 * @param server the server's index
 * @param fromNanos from when
 * @param count how many replies are slow
 * @param latencyNanos how long each of them takes
 */
public record SlowReplies(int server, long fromNanos, int count, long latencyNanos) {
  /** Checks the arguments. */
  public SlowReplies {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(fromNanos >= 0, "start must be at least 0 but was %s", fromNanos);
    checkArgument(count >= 1, "count must be at least 1 but was %s", count);
    checkArgument(latencyNanos >= 0, "latency must be at least 0 but was %s", latencyNanos);
  }
}
