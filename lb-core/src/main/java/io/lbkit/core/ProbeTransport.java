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
package io.lbkit.core;

import java.util.concurrent.CompletionStage;

/**
 * Asks a server for its load, for the probing selector ({@link Selectors#probing()}): implemented
 * by the transport adapters (an HTTP probe request whose reply carries the load in its headers, a
 * gRPC probe call over the server's own subchannel) or by an application, and given to the balancer
 * with {@link LoadBalancerBuilder#probeTransport(ProbeTransport)}.
 *
 * <p>What an implementation must do:
 *
 * <ul>
 *   <li>return without blocking: start the probe (enqueue an asynchronous call) and return its
 *       stage at once. The balancer calls {@code probe} on the thread of a request's pick, right
 *       after the pick has chosen its server, so a blocking transport would delay that request;
 *   <li>complete the stage exactly once: with the server's {@link LoadReport}, or exceptionally
 *       when the probe failed (connection refused, timeout, an unreadable reply). A failed probe
 *       adds nothing to the pool; it is not counted as a failed request;
 *   <li>bound the probe's time with a timeout of its own (Prequal's production one is 3 ms; a few
 *       times the network round trip is reasonable): a stage that never completes costs nothing but
 *       memory, yet a late answer describes a load that has moved on;
 *   <li>be safe for concurrent use: probes are started from every thread that picks;
 *   <li>send the probe to that endpoint's server only ({@link Endpoint#server()}), outside the
 *       balancer (no {@code pick()}), and without counting it as a request of the application.
 * </ul>
 *
 * <p>The balancer never sends more probes than {@link ProbingConfig#probesPerRequest()} per request
 * on average, nor more than {@link ProbingConfig#maxProbeRatePerServer()} to one server, and calls
 * the stage's completion off the pick path (whatever thread completes it).
 *
 * <pre>{@code
 * ProbeTransport transport = endpoint -> httpClient
 *     .sendAsync(probeRequest(endpoint.server()), BodyHandlers.discarding())
 *     .thenApply(reply -> LoadReport.of(
 *         Integer.parseInt(reply.headers().firstValue("x-rif").orElse("0")),
 *         Long.parseLong(reply.headers().firstValue("x-latency-nanos").orElse("0"))));
 * }</pre>
 *
 * @since 0.3.0
 */
@FunctionalInterface
public interface ProbeTransport {
  /**
   * Starts one probe of this endpoint's server and returns its result, without blocking.
   *
   * @param endpoint the server to probe, as the balancer holds it
   * @return completed exactly once, with the server's report or exceptionally
   */
  CompletionStage<LoadReport> probe(Endpoint endpoint);
}
