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
 * The clairvoyant oracle of the C3 paper: sends each request to the server with the least {@code
 * (queue + 1) x true service time}, where the queue counts every client's requests at the server
 * and the service time is the server's true current mean (its slowdown included, and what remains
 * of a freeze added), ties broken at random. A server that is answering with errors is used only
 * when every server is (least error fraction first). It needs global, instant knowledge of the
 * servers' state and speed, so it is a bound that no client can reach, not an lbkit algorithm.
 */
final class ClairvoyantOracle extends GlobalViewSelector {
  static final String NAME = "clairvoyant_oracle";

  ClairvoyantOracle(QueueView view) {
    super(NAME, view);
  }

  /** Servers answering with errors come last, the least erroring first. */
  @Override
  double rank(Server server) {
    return view.errorFraction(server);
  }

  @Override
  double cost(Server server) {
    return (view.queueLength(server) + 1) * view.trueServiceNanos(server);
  }
}
