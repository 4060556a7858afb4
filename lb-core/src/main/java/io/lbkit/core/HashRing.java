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

import com.google.common.collect.Maps;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable consistent-hashing ring of weighted virtual nodes, built once per snapshot for
 * {@link RingHashSelector} and {@link BoundedLoadHashSelector}.
 *
 * <p>Virtual node {@code k} (from 0) of a server sits at the first 64 bits of Murmur3-128 (seed 0)
 * of the UTF-8 bytes of {@code "<id>#<k>"}, {@code k} in decimal. Positions depend only on the
 * server's id, never on the other servers or on list order, so every client builds the same ring,
 * and a server that gains virtual nodes (a higher weight, the end of a slow start) keeps the ones
 * it had: only the keys that land on its new virtual nodes move.
 *
 * <p>Virtual node counts: a server of the highest weight gets {@code v = max(virtualNodes,
 * ceil(minRingSize * maxWeight / totalWeight))} virtual nodes and every other server {@code max(1,
 * round(v * weight / maxWeight))}. Normalizing by the highest weight (rather than the mean) means
 * that a server warming up, or any server that is not the heaviest joining or leaving, does not
 * change the other servers' counts, so their keys stay put. The ring holds at most {@link
 * #MAX_RING_SIZE} virtual nodes; beyond that every count is scaled down.
 *
 * <p>Layout: one sorted {@code long[]}. The low {@code b = ceil(log2 n)} bits of each entry hold
 * the owner's index in the endpoint array, the high {@code 64 - b} bits the position (50 bits at
 * 10,000 servers), so that a plain primitive sort orders the ring and a lookup is one binary search
 * with no second array. A key is compared with its low {@code b} bits cleared: it goes to the first
 * virtual node whose position is at or after its own, wrapping after the last (positions and keys
 * are ordered as signed longs; any fixed order is a ring). Two virtual nodes whose positions agree
 * in their high bits (probability about V^2 / 2^(65-b) for V nodes) are ordered by owner index.
 *
 * <p>Rebuilds: a selector keeps its last ring ({@link PositionCache}). When the owner bits stay the
 * same, the next ring is derived from it in O(V): the unchanged servers' entries are copied in
 * order (relabelled with their new index), and only servers that joined or whose virtual node count
 * changed are hashed, sorted and merged in; at 10,000 servers of 100 virtual nodes one server
 * joining, leaving or changing weight costs a copy of the million entries instead of a sort. Other
 * builds hash what the cache lacks and sort with {@link #sortUniform}. Either way the ring is the
 * same as a full build's, entry for entry.
 */
final class HashRing {
  /** The largest ring built: 8 Mi virtual nodes (64 MiB), as Envoy's default maximum. */
  static final int MAX_RING_SIZE = 1 << 23;

  final Endpoint[] endpoints;

  /** Sorted; entry = position with the low bits replaced by the owner's index. */
  final long[] points;

  /** The number of virtual nodes of each endpoint, by index. */
  private final int[] counts;

  private final long ownerMask;

  private HashRing(Endpoint[] endpoints, int[] counts, long[] points, long ownerMask) {
    this.endpoints = endpoints;
    this.counts = counts;
    this.points = points;
    this.ownerMask = ownerMask;
  }

  /** The number of virtual nodes of each endpoint, by the rule in the class comment. */
  static int[] virtualNodeCounts(Endpoint[] endpoints, int minRingSize, int virtualNodes) {
    double max = 0;
    double total = 0;
    for (Endpoint e : endpoints) {
      max = Math.max(max, e.weight);
      total += e.weight;
    }
    double perMax = Math.max(virtualNodes, Math.ceil(minRingSize * max / total));
    // Scale down, never below one node each, if the ring would exceed the cap.
    double ringSize = perMax * total / max;
    if (ringSize + endpoints.length > MAX_RING_SIZE) {
      perMax *= (MAX_RING_SIZE - endpoints.length) / ringSize;
    }
    int[] counts = new int[endpoints.length];
    for (int i = 0; i < endpoints.length; i++) {
      counts[i] = (int) Math.max(1, Math.round(perMax * endpoints[i].weight / max));
    }
    return counts;
  }

  /** Positions 0..count-1 of a server, reusing the ones already computed. */
  private static long[] positions(String id, int count, long @Nullable [] known) {
    long[] out = new long[count];
    int from = 0;
    if (known != null) {
      System.arraycopy(known, 0, out, 0, known.length);
      from = known.length;
    }
    if (from < count) {
      PositionHasher hasher = new PositionHasher(id);
      for (int k = from; k < count; k++) {
        out[k] = hasher.position(k);
      }
    }
    return out;
  }

  /** The position of virtual node {@code k} of the server with this id. */
  static long position(String id, int k) {
    return new PositionHasher(id).position(k);
  }

  /**
   * Hashes {@code "<id>#<k>"} for successive k without allocating per virtual node: the UTF-8 bytes
   * of {@code "<id>#"} are encoded once into a buffer, k's decimal digits written after them, and
   * the first 64 bits of Murmur3-128 computed over the buffer ({@link Murmur3#hash64}, equal to
   * Guava's {@code murmur3_128().hashString(...).asLong()}, which encodes a fresh byte array and
   * allocates a hasher and a hash code per call: most of a from-scratch build's time).
   */
  private static final class PositionHasher {
    private final byte[] buffer;
    private final int prefix;

    PositionHasher(String id) {
      byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
      prefix = idBytes.length + 1;
      // 10 digits hold any non-negative int.
      buffer = Arrays.copyOf(idBytes, prefix + 10);
      buffer[prefix - 1] = '#';
    }

    long position(int k) {
      int digits = 1;
      for (int t = k; t >= 10; t /= 10) {
        digits++;
      }
      int end = prefix + digits;
      int v = k;
      for (int i = end - 1; i >= prefix; i--) {
        buffer[i] = (byte) ('0' + v % 10);
        v /= 10;
      }
      return Murmur3.hash64(buffer, end);
    }
  }

  /**
   * What a selector remembers between rebuilds: the last ring it built, so that a rebuild after a
   * small change (a server joining, leaving or changing weight) copies the virtual nodes of the
   * servers that did not change from it and merges in the few that did, O(V) instead of hashing and
   * sorting V virtual nodes; and the virtual node positions by server id, for the full builds (the
   * first, and any whose owner bits change), so that they hash only new servers and new virtual
   * nodes. Both are pure functions of what they were built from, so builds racing on one cache stay
   * correct whichever ring or map they read: the last build to finish keeps its own. The volatile
   * fields publish the immutable ring and map fully built.
   */
  static final class PositionCache {
    private volatile Map<String, long[]> byId = Map.of();
    private volatile @Nullable HashRing last;
  }

  /** Builds the ring over these endpoints (never empty). */
  static HashRing build(Endpoint[] endpoints, int minRingSize, int virtualNodes) {
    return build(endpoints, minRingSize, virtualNodes, new PositionCache());
  }

  /** Builds the ring over these endpoints (never empty), reusing and updating the cache. */
  static HashRing build(
      Endpoint[] endpoints, int minRingSize, int virtualNodes, PositionCache cache) {
    int n = endpoints.length;
    int[] counts = virtualNodeCounts(endpoints, minRingSize, virtualNodes);
    int bits = n == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    long mask = (1L << bits) - 1;
    HashRing previous = cache.last;
    HashRing ring =
        previous != null && previous.ownerMask == mask
            ? update(previous, endpoints, counts, mask)
            : fullBuild(endpoints, counts, mask, cache);
    cache.last = ring;
    return ring;
  }

  private static HashRing fullBuild(
      Endpoint[] endpoints, int[] counts, long mask, PositionCache cache) {
    int n = endpoints.length;
    int size = 0;
    for (int c : counts) {
      size += c;
    }
    long[] points = new long[size];
    int p = 0;
    Map<String, long[]> previous = cache.byId;
    Map<String, long[]> next = Maps.newHashMapWithExpectedSize(n);
    for (int i = 0; i < n; i++) {
      String id = endpoints[i].server.id();
      long[] positions = previous.get(id);
      if (positions == null || positions.length < counts[i]) {
        positions = positions(id, counts[i], positions);
      }
      next.put(id, positions);
      for (int k = 0; k < counts[i]; k++) {
        points[p++] = (positions[k] & ~mask) | i;
      }
    }
    cache.byId = next;
    return new HashRing(endpoints, counts, sortUniform(points), mask);
  }

  /**
   * Sorts values that are (nearly) uniform over the longs, as hash positions are, in expected
   * linear time, and returns them sorted (in {@code values} or in a new array): one counting pass
   * distributes them by their top bits into about n / 4 buckets, in signed order, and each bucket
   * is then sorted on its own (insertion sort for the few values a bucket expects, {@link
   * Arrays#sort} if a bucket is crowded, so that clustered input costs O(n log n), never more).
   * About 5 times faster than {@link Arrays#sort} on the million positions of a large ring.
   */
  static long[] sortUniform(long[] values) {
    int n = values.length;
    if (n < 1 << 12) {
      Arrays.sort(values);
      return values;
    }
    int bits = 31 - Integer.numberOfLeadingZeros(n) - 2;
    int shift = 64 - bits;
    int[] start = new int[(1 << bits) + 1];
    for (long v : values) {
      // Flipping the sign bit turns signed order into unsigned order of the top bits.
      start[(int) ((v ^ Long.MIN_VALUE) >>> shift) + 1]++;
    }
    for (int b = 1; b < start.length; b++) {
      start[b] += start[b - 1];
    }
    int[] fill = Arrays.copyOf(start, start.length - 1);
    long[] out = new long[n];
    for (long v : values) {
      out[fill[(int) ((v ^ Long.MIN_VALUE) >>> shift)]++] = v;
    }
    for (int b = 0; b + 1 < start.length; b++) {
      int from = start[b];
      int to = start[b + 1];
      if (to - from > 32) {
        Arrays.sort(out, from, to);
      } else {
        for (int i = from + 1; i < to; i++) {
          long v = out[i];
          int j = i - 1;
          while (j >= from && out[j] > v) {
            out[j + 1] = out[j];
            j--;
          }
          out[j + 1] = v;
        }
      }
    }
    return out;
  }

  /**
   * The ring over {@code endpoints} derived from {@code previous}, which has the same owner mask: a
   * server present in both with the same number of virtual nodes keeps its entries (relabelled with
   * its new index; the position bits are unchanged), every other server's entries are dropped or
   * hashed anew, and the two sorted streams are merged. The result equals a full build's: the same
   * entries, sorted. Relabelling can break the order only between entries whose position bits are
   * equal (a collision, see the class comment); the merge checks the order and sorts in that rare
   * case.
   */
  private static HashRing update(HashRing previous, Endpoint[] endpoints, int[] counts, long mask) {
    int n = endpoints.length;
    int[] newIndex = matchOldToNew(previous.endpoints, endpoints);
    int[] oldCounts = previous.counts;
    boolean[] kept = new boolean[n];
    int size = 0;
    int added = 0;
    for (int i = 0; i < newIndex.length; i++) {
      int j = newIndex[i];
      if (j >= 0) {
        if (oldCounts[i] == counts[j]) {
          kept[j] = true;
        } else {
          newIndex[i] = -1;
        }
      }
    }
    for (int j = 0; j < n; j++) {
      size += counts[j];
      if (!kept[j]) {
        added += counts[j];
      }
    }
    long[] fresh = new long[added];
    int f = 0;
    for (int j = 0; j < n; j++) {
      if (!kept[j]) {
        PositionHasher hasher = new PositionHasher(endpoints[j].server.id());
        for (int k = 0; k < counts[j]; k++) {
          fresh[f++] = (hasher.position(k) & ~mask) | j;
        }
      }
    }
    Arrays.sort(fresh);
    long[] old = previous.points;
    long[] points = new long[size];
    int p = 0;
    f = 0;
    long last = Long.MIN_VALUE;
    boolean sorted = true;
    for (long entry : old) {
      int j = newIndex[(int) (entry & mask)];
      if (j < 0) {
        continue;
      }
      long relabelled = (entry & ~mask) | j;
      while (f < added && fresh[f] < relabelled) {
        points[p++] = fresh[f++];
      }
      sorted &= relabelled >= last;
      last = relabelled;
      points[p++] = relabelled;
    }
    while (f < added) {
      points[p++] = fresh[f++];
    }
    if (p != size) {
      throw new IllegalStateException("ring update lost entries: " + p + " of " + size);
    }
    if (!sorted) {
      Arrays.sort(points);
    }
    return new HashRing(endpoints, counts, points, mask);
  }

  /**
   * For each old endpoint, the index of the server with the same id among the new endpoints, or -1.
   * Both arrays are in membership order, so a walk that allows one insertion or removal at a time
   * matches the usual change in O(n) without hashing; anything else falls back to a map.
   */
  private static int[] matchOldToNew(Endpoint[] old, Endpoint[] now) {
    int[] out = new int[old.length];
    int j = 0;
    for (int i = 0; i < old.length; i++) {
      String id = old[i].server.id();
      if (j < now.length && now[j].server.id().equals(id)) {
        out[i] = j++;
      } else if (j + 1 < now.length && now[j + 1].server.id().equals(id)) {
        out[i] = j + 1; // now[j] was inserted
        j += 2;
      } else if (i + 1 < old.length
          && j < now.length
          && now[j].server.id().equals(old[i + 1].server.id())) {
        out[i] = -1; // old[i] was removed
      } else {
        return matchByMap(old, now);
      }
    }
    return out;
  }

  private static int[] matchByMap(Endpoint[] old, Endpoint[] now) {
    Map<String, Integer> index = Maps.newHashMapWithExpectedSize(now.length);
    for (int j = 0; j < now.length; j++) {
      index.put(now[j].server.id(), j);
    }
    int[] out = new int[old.length];
    for (int i = 0; i < old.length; i++) {
      Integer j = index.get(old[i].server.id());
      out[i] = j == null ? -1 : j;
    }
    return out;
  }

  /** The index in {@link #points} of the virtual node that owns this key hash. */
  int nodeIndex(long keyHash) {
    long[] pts = points;
    long key = keyHash & ~ownerMask;
    // First entry >= key: entries carry the owner index in their low bits, which the key has
    // cleared, so an entry whose position bits equal the key's compares >= the key.
    int lo = 0;
    int hi = pts.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (pts[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == pts.length ? 0 : lo;
  }

  /** The index in {@link #endpoints} of the owner of the virtual node at this index. */
  int ownerIndex(int nodeIndex) {
    return (int) (points[nodeIndex] & ownerMask);
  }

  /** The endpoint that owns the virtual node at this index of {@link #points}. */
  Endpoint owner(int nodeIndex) {
    return endpoints[ownerIndex(nodeIndex)];
  }

  /** The endpoint that owns this key hash. */
  Endpoint lookup(long keyHash) {
    return owner(nodeIndex(keyHash));
  }
}
