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

/**
 * Hears what a {@link LoadBalancer} does with requests, for metrics and tracing: every outcome
 * reported for a pick, every pick that found no server, and (as a {@link HealthListener}) every
 * health transition and panic-mode change. Register it with {@link
 * LoadBalancerBuilder#observer(LoadBalancerObserver)}; one registration covers all of it.
 *
 * <p>{@link #onOutcome} and {@link #onNoServer} run on the thread that reported the outcome or
 * asked for the pick, once per request: they must be quick, must not block, and should not
 * allocate, since they run on every request's path. An exception they throw is logged and otherwise
 * ignored. A balancer with an observer times every pick and counts it in flight whatever its
 * selector, so that the latencies it reports are real and {@link Endpoint#inFlight()} and {@link
 * ServerStatus#inFlight()} are exact; without one it pays nothing.
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancer.builder()
 *     .selector(Selectors.roundRobin())
 *     .servers(servers)
 *     .observer(new LoadBalancerObserver() {
 *       public void onOutcome(Server server, Outcome outcome, long latencyNanos) {
 *         latencies.record(latencyNanos);
 *       }
 *     })
 *     .build();
 * }</pre>
 *
 * @since 0.1.0
 */
public interface LoadBalancerObserver extends HealthListener {
  /**
   * The balancer built with this observer, called once by {@link LoadBalancerBuilder#build()}
   * before it returns (and before any pick). An observer that serves one balancer may reject a
   * second one by throwing {@link IllegalStateException}: the build then fails and the new balancer
   * is closed.
   */
  default void onBuilt(LoadBalancer balancer) {}

  /**
   * A pick of {@code server} ended with {@code outcome}, {@code latencyNanos} after the pick (or
   * the latency the caller measured and reported, a negative one taken as 0; 0 for a pick closed
   * without an outcome). Called once per pick, on the reporting thread.
   */
  default void onOutcome(Server server, Outcome outcome, long latencyNanos) {}

  /**
   * A pick found no server and threw {@link NoAvailableServerException} with this reason. Called on
   * the picking thread, once per failed pick.
   */
  default void onNoServer(NoAvailableServerException.Reason reason) {}
}
