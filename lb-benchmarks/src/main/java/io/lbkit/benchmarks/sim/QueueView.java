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
 * What the simulator's own policies may see of the simulation. The oracles see the true, current
 * state of every server, which no real client has; the stale-information policies see only what the
 * servers last reported.
 */
interface QueueView {
  /** Requests at the server (waiting plus in service), from all clients, now. */
  int queueLength(Server server);

  /**
   * The server's true mean service time now: the scenario's mean times the server's current
   * slowdown (slow periods and fluctuations), plus what remains of a freeze it is in.
   */
  double trueServiceNanos(Server server);

  /** The probability that the server answers a request arriving now with an error. */
  double errorFraction(Server server);

  /** The queue length the server last reported (refreshed every report interval). */
  int reportedQueueLength(Server server);

  /**
   * The queue length that the server sent back with its last response to this client (0 before the
   * first): load feedback piggybacked on responses, which a real client can have.
   */
  int feedbackQueueLength(int client, Server server);

  /** A seeded random integer in [0, bound), for tie-breaking. */
  int nextInt(int bound);
}
