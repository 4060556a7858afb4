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
package io.lbkit.simulator;

import io.lbkit.core.Pick;

/**
 * A simulated request (or a long stream, with {@link #streamNanos} at least 0) from its arrival at
 * its server to its end: the pick it completes, its service as the server schedules it, and whether
 * its client has seen its end (reply, error or deadline) yet.
 */
final class Request {
  final int id;
  final long arrivalNanos;
  final long baseServiceNanos;
  final int server;
  final int client;
  final Pick pick;
  boolean done;
  // How long a stream stays open after its first response; -1 for a request.
  long streamNanos = -1;
  long serviceEndNanos;
  int serviceVersion;
  // The server's requests in flight when it arrived, not counting this one.
  int rifAtArrival;

  Request(int id, long arrivalNanos, long baseServiceNanos, int client, int server, Pick pick) {
    this.client = client;
    this.id = id;
    this.arrivalNanos = arrivalNanos;
    this.baseServiceNanos = baseServiceNanos;
    this.server = server;
    this.pick = pick;
  }
}
