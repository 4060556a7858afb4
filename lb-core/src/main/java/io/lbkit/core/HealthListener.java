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
 * Hears every health transition of a {@link LoadBalancer}'s servers, and its entering and leaving
 * panic mode. Called synchronously on the thread that made the change (a request thread that
 * reported the failure that ejected a server, or the balancer's scheduler), once per transition and
 * never per request: keep it quick. An exception it throws is logged and otherwise ignored.
 *
 * <pre>{@code
 * LoadBalancer.builder()
 *     .listener(new HealthListener() {
 *       public void onStateChange(Server server, HealthState from, HealthState to, String why) {
 *         metrics.counter("lb.transitions", "to", to.name()).increment();
 *       }
 *     })
 * }</pre>
 *
 * @since 0.1.0
 */
public interface HealthListener {
  /** A server's {@link HealthState} changed; {@code reason} says why in words. */
  default void onStateChange(Server server, HealthState from, HealthState to, String reason) {}

  /**
   * The balancer entered ({@code active}) or left panic mode: {@code eligible} of {@code
   * considered} servers were healthy.
   */
  default void onPanicModeChange(boolean active, int eligible, int considered) {}

  /**
   * A server was removed (directly, or after draining with {@link LoadBalancer#drainAndRemove}).
   */
  default void onRemoved(Server server) {}
}
