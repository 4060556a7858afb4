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
package io.grpc.xds;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Same-package access to gRPC-java's weighted round robin scheduler, for the benchmarks only.
 * {@code WeightedRoundRobinLoadBalancer.StaticStrideScheduler} (the lock-free static stride
 * scheduler of gRPC-java since 1.57) is package-private, and its public route, the {@code
 * weighted_round_robin} policy, takes its weights from ORCA load reports that a benchmark without
 * servers never receives (so every weight would be equal and the policy would be plain round
 * robin). This builds the scheduler over fixed weights, as the policy does once the reports are in.
 */
public final class StaticStrideSchedulers {
  private StaticStrideSchedulers() {}

  /**
   * A scheduler over these weights; each call of the returned supplier is one {@code pick()}: the
   * index of the chosen backend.
   */
  public static IntSupplier of(float[] weights) {
    WeightedRoundRobinLoadBalancer.StaticStrideScheduler scheduler =
        new WeightedRoundRobinLoadBalancer.StaticStrideScheduler(weights, new AtomicInteger());
    if (scheduler.usesRoundRobin()) {
      throw new IllegalArgumentException("equal weights: the scheduler would be round robin");
    }
    return scheduler::pick;
  }
}
