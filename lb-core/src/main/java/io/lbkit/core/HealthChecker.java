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

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One active health check of one server: connect, ask, and say whether the server is healthy.
 * Built-ins come from {@link HealthCheckers}; adapters add OkHttp and gRPC-health checkers.
 *
 * <p>A check must not block the calling thread: return a future and complete it from I/O callbacks.
 * The balancer runs at most one check per server at a time, fails a check that has not completed
 * within its timeout, and treats an exceptional completion as unhealthy.
 *
 * <pre>{@code
 * HealthChecker custom = (server, timeout) -> myClient.ping(server.address(), timeout);
 * }</pre>
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface HealthChecker {
  /**
   * Checks one server.
   *
   * @param timeout how long the check may take; the balancer fails it after that anyway
   * @return a future of {@code true} if the server is healthy, {@code false} (or an exception) if
   *     not
   */
  CompletableFuture<Boolean> check(Server server, Duration timeout);
}
