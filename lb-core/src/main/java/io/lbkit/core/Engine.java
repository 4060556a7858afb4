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

import org.jspecify.annotations.Nullable;

/**
 * The parts of one balancer that its facade calls, assembled by {@link LoadBalancerBuilder}: the
 * accounting and the pick path, the snapshot publisher (the one way to change the membership) and
 * the features that act on their own time. The other features (outlier ejection, slow start,
 * transition reporting, health checks) hang off the publisher and the maintenance and need no call
 * from the facade. Immutable, and built before the balancer is published.
 */
final class Engine {
  final Accounting accounting;
  final PickPath pickPath;
  final SnapshotPublisher publisher;
  final Drains drains;
  final Maintenance maintenance;
  final @Nullable SlowStart slowStart;
  final ProbeLink probes;

  Engine(
      Accounting accounting,
      PickPath pickPath,
      SnapshotPublisher publisher,
      Drains drains,
      Maintenance maintenance,
      @Nullable SlowStart slowStart,
      ProbeLink probes) {
    this.accounting = accounting;
    this.pickPath = pickPath;
    this.publisher = publisher;
    this.drains = drains;
    this.maintenance = maintenance;
    this.slowStart = slowStart;
    this.probes = probes;
  }
}
