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
 * A server that is not there at the start and joins at {@code atNanos}: every client's balancer
 * learns of it then through {@link io.lbkit.core.LoadBalancer#addServer}, so that slow start (when
 * the policy has it) ramps its share. A cold server is modelled by a {@link Slowdown} of the same
 * server from the join on.
 *
 * @param server the server's index
 * @param atNanos when it joins
 */
public record Join(int server, long atNanos) {
  /** Checks the arguments. */
  public Join {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(atNanos >= 0, "join time must be at least 0");
  }
}
