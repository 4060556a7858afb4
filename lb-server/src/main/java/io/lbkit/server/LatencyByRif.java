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
package io.lbkit.server;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Recent latencies by the requests in flight (RIF) each request found on arrival, so that a report
 * can answer the median latency at about the current RIF (Prequal's server side).
 *
 * <p>RIF levels fall into {@value #BUCKETS} buckets: one per level up to 3, then two per power of
 * two (4-5, 6-7, 8-11, 12-15, 16-23, ...), the last one open-ended. Each bucket is a ring of the
 * {@value #RING} latest samples. Writers claim a slot with one atomic increment of their bucket's
 * cursor, so requests at different RIF levels never touch the same counter, and nothing locks. Each
 * slot packs the completion time (milliseconds since this object was made, high 32 bits) and the
 * latency (microseconds, low 32 bits) into one long, so a reader never sees one sample's time with
 * another's latency.
 */
final class LatencyByRif {
  static final int BUCKETS = 24;
  static final int RING = 32;

  /** Fewer fresh samples than this in a bucket: its neighbours are pooled in. */
  static final int MIN_SAMPLES = 4;

  private static final long MAX_MICROS = 0xFFFF_FFFFL;

  private final AtomicLongArray samples = new AtomicLongArray(BUCKETS * RING);
  // Cursors 16 ints apart (64 bytes), so that two buckets' writers do not share a cache line.
  private final AtomicIntegerArray cursors = new AtomicIntegerArray(BUCKETS * 16);
  private final long originNanos;
  private final long maxAgeMillis;

  LatencyByRif(long originNanos, long maxAgeMillis) {
    this.originNanos = originNanos;
    this.maxAgeMillis = maxAgeMillis;
  }

  /** The bucket of a RIF level. */
  static int bucket(int rif) {
    if (rif < 4) {
      return Math.max(0, rif);
    }
    int k = 31 - Integer.numberOfLeadingZeros(rif); // >= 2
    int half = (rif >>> (k - 1)) & 1;
    return Math.min(BUCKETS - 1, 2 * k + half);
  }

  /** Records a request that arrived at RIF {@code arrivalRif} and took {@code latencyNanos}. */
  void record(int arrivalRif, long latencyNanos, long nowNanos) {
    int b = bucket(arrivalRif);
    int slot = cursors.getAndIncrement(b * 16) & (RING - 1);
    long micros = Math.min(MAX_MICROS, Math.max(0, latencyNanos) / 1000);
    long packed = (stamp(nowNanos) << 32) | micros;
    // Release (not volatile) store: a slot is self-contained, so a reader needs only the long's
    // atomicity, never ordering with other writes; this skips the full fence of a volatile store.
    samples.setRelease(b * RING + slot, packed);
  }

  /**
   * The median latency in nanoseconds of fresh samples at about {@code rif}: its own bucket, pooled
   * with the nearest buckets (lower first) until {@value #MIN_SAMPLES} samples are found; -1 when
   * no bucket has a fresh sample.
   */
  long medianNanos(int rif, long nowNanos) {
    int center = bucket(rif);
    long now = stamp(nowNanos);
    long[] found = new long[RING + MIN_SAMPLES];
    int n = collect(center, now, found, 0);
    for (int d = 1; n < MIN_SAMPLES && d < BUCKETS; d++) {
      if (center - d >= 0) {
        n = collect(center - d, now, found, n);
      }
      if (n < MIN_SAMPLES && center + d < BUCKETS) {
        n = collect(center + d, now, found, n);
      }
    }
    if (n == 0) {
      return -1;
    }
    Arrays.sort(found, 0, n);
    return found[(n - 1) / 2] * 1000;
  }

  private int collect(int b, long now, long[] out, int n) {
    for (int i = 0; i < RING && n < out.length; i++) {
      // Acquire pairs with the writer's release; see record().
      long s = samples.getAcquire(b * RING + i);
      if (s == 0) {
        continue;
      }
      long age = (now - (s >>> 32)) & 0xFFFF_FFFFL;
      if (age <= maxAgeMillis) {
        out[n++] = s & MAX_MICROS;
      }
    }
    return n;
  }

  /**
   * Milliseconds since this object was made, plus one so that no sample packs to 0 (an empty slot),
   * modulo 2^32 (49 days: a sample that old in a bucket that has seen nothing since may look fresh
   * once, which costs one stale median after seven weeks of silence at that RIF level).
   */
  private long stamp(long nowNanos) {
    return (((nowNanos - originNanos) / 1_000_000L) + 1) & 0xFFFF_FFFFL;
  }
}
