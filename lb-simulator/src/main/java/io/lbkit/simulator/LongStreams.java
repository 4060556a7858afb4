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

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Long streams that one server carries besides its share of the balanced requests (a
 * server-streaming call, a long download): with each arriving request, with probability {@code
 * perRequest}, the same client also opens a stream pinned to {@code server} ({@link
 * io.lbkit.core.LoadBalancer#pickServer}). The stream's first response is served like a request (it
 * queues for a slot and takes a drawn service time); then the client reports the response start
 * ({@link io.lbkit.core.Pick#responseStarted()}, whose latency sample is the time to first
 * response), and the stream stays open, in flight but holding no slot, for {@code durationNanos}
 * before it completes. Streams are not measured requests: they appear in no latency, outcome or
 * share.
 *
 * @param server the server's index
 * @param perRequest the probability that an arrival also opens a stream, in (0, 1]
 * @param durationNanos how long a stream stays open after its first response
 */
public record LongStreams(int server, double perRequest, long durationNanos) {
  /** Checks the arguments. */
  public LongStreams {
    checkArgument(server >= 0, "server index must be at least 0 but was %s", server);
    checkArgument(
        perRequest > 0 && perRequest <= 1,
        "streams per request must be in (0, 1] but was %s",
        perRequest);
    checkArgument(durationNanos >= 0, "duration must be at least 0 but was %s", durationNanos);
  }
}
