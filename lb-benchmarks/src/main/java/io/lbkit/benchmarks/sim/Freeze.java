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
 * A stop-the-world pause of one server (a GC-style freeze): from {@code fromNanos} (inclusive) to
 * {@code toNanos} (exclusive) the server does no work. Requests in service stop where they are and
 * resume afterwards (their service ends later by the overlap); requests that arrive queue as usual,
 * and one that gets a free slot during the freeze starts only when it ends.
 *
 * @param server the server's index
 * @param fromNanos start of the freeze
 * @param toNanos end of the freeze
 */
public record Freeze(int server, long fromNanos, long toNanos) {
  /** Checks the arguments. */
  public Freeze {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(fromNanos <= toNanos, "freeze ends before it starts");
  }
}
