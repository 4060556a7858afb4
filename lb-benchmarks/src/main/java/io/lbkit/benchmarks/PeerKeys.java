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

/** Request keys and per-server latencies shared by the peer benchmarks, the same for every side. */
final class PeerKeys {
  private PeerKeys() {}

  /** The number of distinct request keys; a power of two, so the next index is a mask. */
  static final int COUNT = 4096;

  /** The key of request {@code sequence}, cycling through {@link #COUNT} session keys. */
  static String key(int sequence) {
    return KEYS[sequence & (COUNT - 1)];
  }

  private static final String[] KEYS = new String[COUNT];

  static {
    for (int i = 0; i < COUNT; i++) {
      KEYS[i] = "session-" + i;
    }
  }

  /**
   * The response time, in microseconds, recorded for server number {@code i} before the latency-
   * aware benchmarks start: 100 to 1,999, spread so that neighbours differ. Peers that count in
   * milliseconds are given the same numbers in their own unit (only the order matters to them).
   */
  static int latencyMicros(int i) {
    return 100 + (int) ((i * 7919L) % 1900);
  }
}
