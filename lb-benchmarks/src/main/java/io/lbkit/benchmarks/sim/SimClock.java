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
package io.lbkit.benchmarks.sim;

import com.google.common.base.Ticker;

/**
 * The simulation clock, handed to every simulated balancer as its ticker so that latencies, decay
 * and in-flight expiry all run on simulated time. Only the simulation loop advances it.
 */
final class SimClock extends Ticker {
  private long nowNanos;

  @Override
  public long read() {
    return nowNanos;
  }

  void advanceTo(long nanos) {
    // Events are processed in time order, so time never goes back; a violation is a simulator bug.
    if (nanos < nowNanos) {
      throw new IllegalStateException("time went back from " + nowNanos + " to " + nanos);
    }
    nowNanos = nanos;
  }
}
