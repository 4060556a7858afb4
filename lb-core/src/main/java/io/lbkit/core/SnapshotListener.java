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
 * Hears each state a {@link LoadBalancer} publishes, for adapters that publish a picker of their
 * own per state (gRPC's {@code SubchannelPicker}, one per lbkit snapshot). Registered with {@link
 * LoadBalancerBuilder#snapshotListener}.
 *
 * <p>Called once with the initial state while the balancer is built, then after every change of
 * membership or health is published, on the thread that made the change (the application's, an RPC
 * callback's for an ejection, the balancer's scheduler for maintenance), never on the pick path.
 * Changes made at once on several threads may be heard out of order: an adapter that keeps one
 * picker should hand the work to one thread and read {@link LoadBalancer#snapshot()} there, which
 * is always the latest. A listener must not block; an exception it throws is logged and ignored.
 *
 * @since 0.2.0
 */
@FunctionalInterface
public interface SnapshotListener {
  /** A new state was published. */
  void onSnapshot(BalancerSnapshot snapshot);
}
