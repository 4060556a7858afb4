package io.lbkit.core;

import com.google.common.collect.Maps;
import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
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
 */
final class HashRing {
  /** The largest ring built: 8 Mi virtual nodes (64 MiB), as Envoy's default maximum. */
  static final int MAX_RING_SIZE = 1 << 23;

  private static final HashFunction HASH = Hashing.murmur3_128();

  final Endpoint[] endpoints;

  /** Sorted; entry = position with the low bits replaced by the owner's index. */
  final long[] points;

  private final long ownerMask;

  private HashRing(Endpoint[] endpoints, long[] points, long ownerMask) {
    this.endpoints = endpoints;
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
    StringBuilder name = new StringBuilder(id.length() + 6).append(id).append('#');
    int prefix = name.length();
    for (int k = from; k < count; k++) {
      name.setLength(prefix);
      name.append(k);
      out[k] = HASH.hashString(name, StandardCharsets.UTF_8).asLong();
    }
    return out;
  }

  /** The position of virtual node {@code k} of the server with this id. */
  static long position(String id, int k) {
    return HASH.hashString(id + '#' + k, StandardCharsets.UTF_8).asLong();
  }

  /**
   * The virtual node positions of the servers of the last ring a selector built, by server id, so
   * that a rebuild hashes only new servers and new virtual nodes (hashing is most of the build: at
   * 10,000 servers of 100 virtual nodes, about a million hashes). Entries are a pure function of
   * the id, so builds racing on one cache stay correct: the last one to finish keeps its map.
   */
  static final class PositionCache {
    private volatile Map<String, long[]> byId = Map.of();
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
    int size = 0;
    for (int c : counts) {
      size += c;
    }
    int bits = n == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(n - 1);
    long mask = (1L << bits) - 1;
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
    Arrays.sort(points);
    return new HashRing(endpoints, points, mask);
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
