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
package io.lbkit.benchmarks;

import java.util.function.IntFunction;

/**
 * One implementation under measurement in a peer benchmark: the call that JMH times and what
 * releases it afterwards.
 *
 * @param pick the measured call; its argument is a per-thread sequence number, which the keyed
 *     (consistent hash) implementations turn into the next of {@link PeerKeys#COUNT} request keys
 *     and every other implementation ignores
 * @param close releases threads or timers the implementation started; called once after the trial
 */
record Peer(IntFunction<Object> pick, AutoCloseable close) {

  /** A peer with nothing to release. */
  static Peer of(IntFunction<Object> pick) {
    return new Peer(pick, () -> {});
  }
}
