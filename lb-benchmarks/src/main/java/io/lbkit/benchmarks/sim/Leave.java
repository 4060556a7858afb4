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
 * A server that leaves and comes back, as a crashed and restarted process does: every client's
 * balancer removes it at {@code fromNanos} ({@link io.lbkit.core.LoadBalancer#removeServer}) and
 * adds it again at {@code toNanos}, with fresh statistics. Requests it already had are served. A
 * cold restart adds {@link SlowReplies} of the same server from {@code toNanos} on.
 *
 * @param server the server's index
 * @param fromNanos when it leaves
 * @param toNanos when it is back
 */
public record Leave(int server, long fromNanos, long toNanos) {
  /** Checks the arguments. */
  public Leave {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(fromNanos >= 0 && fromNanos < toNanos, "bad period %s to %s", fromNanos, toNanos);
  }
}
