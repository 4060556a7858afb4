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
 * A naive global policy for the herd scenario: sends each request to the server with the shortest
 * queue as the servers last reported it (ties at random). Every client sees the same report, so
 * between two reports they all send to the same few servers: the thundering herd that makes
 * least-loaded-by-shared-information worse than random. Not an lbkit algorithm; it stands for what
 * a client should not do with stale global load information.
 */
final class StaleHerdSelector extends GlobalViewSelector {
  static final String NAME = "herd_stale";

  StaleHerdSelector(QueueView view) {
    super(NAME, view);
  }

  @Override
  double cost(Server server) {
    return view.reportedQueueLength(server);
  }
}
