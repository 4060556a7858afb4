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
 * The first 64 bits of MurmurHash3 x64 128 (seed 0) over a byte range: the value of Guava's {@code
 * Hashing.murmur3_128().hashBytes(bytes, 0, length).asLong()}, computed without allocating, for
 * rebuilds that hash up to millions of short keys. Austin Appleby's reference algorithm (public
 * domain), transcribed.
 *
 * <p>Why not Guava here: its hasher allocates a byte array, a hasher and a hash code per key, which
 * at 10,000 servers x 100 virtual nodes made most of a from-scratch ring build's time and garbage.
 * Guava stays the reference: the tests check every output against {@code Hashing.murmur3_128()},
 * and request keys are still hashed with Guava.
 */
final class Murmur3 {
  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;

  private Murmur3() {}

  /** The first (little-endian) 64 bits of Murmur3-128 of {@code data[0..length)}. */
  static long hash64(byte[] data, int length) {
    return hash128(data, length, null);
  }

  /**
   * Murmur3-128 of {@code data[0..length)}: returns the first 64 bits and, if {@code second} is
   * given, stores the second 64 bits in its element 0 (as Guava's {@code HashCode.asBytes()} read
   * as two little-endian longs).
   */
  static long hash128(byte[] data, int length, long @Nullable [] second) {
    long h1 = 0;
    long h2 = 0;
    int blocks = length >>> 4;
    for (int b = 0; b < blocks; b++) {
      int i = b << 4;
      long k1 = littleEndianLong(data, i);
      long k2 = littleEndianLong(data, i + 8);
      h1 ^= mixK1(k1);
      h1 = Long.rotateLeft(h1, 27);
      h1 += h2;
      h1 = h1 * 5 + 0x52dce729;
      h2 ^= mixK2(k2);
      h2 = Long.rotateLeft(h2, 31);
      h2 += h1;
      h2 = h2 * 5 + 0x38495ab5;
    }
    int tail = blocks << 4;
    int rest = length & 15;
    long k1 = 0;
    long k2 = 0;
    for (int i = rest - 1; i >= 8; i--) {
      k2 = (k2 << 8) | (data[tail + i] & 0xFFL);
    }
    for (int i = Math.min(rest, 8) - 1; i >= 0; i--) {
      k1 = (k1 << 8) | (data[tail + i] & 0xFFL);
    }
    if (rest > 8) {
      h2 ^= mixK2(k2);
    }
    if (rest > 0) {
      h1 ^= mixK1(k1);
    }
    h1 ^= length;
    h2 ^= length;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    if (second != null) {
      second[0] = h2 + h1;
    }
    return h1;
  }

  private static long littleEndianLong(byte[] data, int i) {
    long v = 0;
    for (int j = 7; j >= 0; j--) {
      v = (v << 8) | (data[i + j] & 0xFFL);
    }
    return v;
  }

  private static long mixK1(long k1) {
    return Long.rotateLeft(k1 * C1, 31) * C2;
  }

  private static long mixK2(long k2) {
    return Long.rotateLeft(k2 * C2, 33) * C1;
  }

  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
