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

import io.lbkit.core.Server;

/**
 * The join-shortest-queue oracle: sends each request to the server with the fewest requests in the
 * system, counted over all clients by the simulator itself, ties broken at random. It is an upper
 * bound that no client-side balancer can reach (it needs global, instant knowledge), not a copy of
 * an lbkit algorithm.
 */
final class JoinShortestQueueOracle extends GlobalViewSelector {
  static final String NAME = "jsq_oracle";

  JoinShortestQueueOracle(QueueView view) {
    super(NAME, view);
  }

  @Override
  double cost(Server server) {
    return view.queueLength(server);
  }
}
