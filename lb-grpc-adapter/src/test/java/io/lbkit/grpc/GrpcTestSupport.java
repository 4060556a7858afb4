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
package io.lbkit.grpc;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Servers and channels of one test, all shut down by {@link #close()}. */
final class GrpcTestSupport implements AutoCloseable {
  final List<Backend> backends = new ArrayList<>();
  final List<ManagedChannel> channels = new ArrayList<>();

  Backend add(Backend b) {
    backends.add(b);
    return b;
  }

  ManagedChannel add(ManagedChannel c) {
    channels.add(c);
    return c;
  }

  /**
   * Calls until every backend has answered once (connections come up one by one), then resets the
   * counters, so that a test counts a steady state.
   */
  void warmUp(ManagedChannel channel) {
    await(
        Duration.ofSeconds(30),
        () -> {
          try {
            Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          } catch (StatusRuntimeException e) {
            // A connection still coming up on a loaded machine; the deadline above bounds this.
          }
          return backends.stream().allMatch(b -> b.calls.get() > 0);
        });
    for (Backend b : backends) {
      b.calls.set(0);
    }
  }

  /** Polls a condition (each evaluation does real work) until it holds or the time is up. */
  static void await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // poll interval
    }
  }

  @Override
  public void close() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Backend b : backends) {
      b.close();
    }
  }
}
