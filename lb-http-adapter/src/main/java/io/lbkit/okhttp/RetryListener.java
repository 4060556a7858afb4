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
package io.lbkit.okhttp;

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.Server;

/**
 * Hears the {@link LoadBalancingInterceptor}'s second and later attempts, for metrics: a retry
 * after a retryable status, and a failover after an attempt that got no response. Register it with
 * {@link LoadBalancingInterceptor.Builder#retryListener(RetryListener)}.
 *
 * <p>Called on the thread that runs the call, after the failed attempt's outcome was reported and
 * the next server was picked, once per extra attempt; an attempt that is not followed by another
 * (attempts or retry budget exhausted, no other server, a request that may not be repeated) is not
 * reported here. Keep it quick; an exception it throws is logged and otherwise ignored.
 *
 * @since 0.1.0
 */
public interface RetryListener {
  /**
   * A response with one of the {@linkplain LoadBalancingInterceptor.Builder#retryStatuses retry
   * statuses} from {@code failed} is discarded, and the request is sent again to another server of
   * {@code balancer}.
   */
  default void onRetry(LoadBalancer balancer, Server failed, int statusCode) {}

  /**
   * An attempt to {@code failed} ended without a response ({@link Outcome#CONNECT_FAILURE}, {@link
   * Outcome#TIMEOUT} or {@link Outcome#FAILURE} for another I/O error), and the request is sent to
   * another server of {@code balancer}.
   */
  default void onFailover(LoadBalancer balancer, Server failed, Outcome outcome) {}
}
