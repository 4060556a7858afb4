package io.lbkit.core;

import com.google.common.collect.ImmutableList;
import com.google.common.hash.HashCode;
import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Maglev hashing (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
 * NSDI 2016, section 3.4) with weights. A lookup table of M slots (M prime) is filled once per
 * snapshot; a pick is one table read: O(1), no allocation.
 *
 * <p>Construction: each server has a preference list over the slots, the permutation {@code (offset
 * + j * skip) mod M}, where {@code offset = h1 mod M} and {@code skip = h2 mod (M - 1) + 1} come
 * from the two 64-bit halves (little-endian) of Murmur3-128 (seed 0) of the UTF-8 bytes of its id;
 * M prime makes every permutation visit every slot. Servers take turns claiming their next
 * preferred free slot until the table is full. Weighted as in Envoy: on round {@code r} a server
 * takes a turn only if {@code r * weight / maxWeight >= turnsTaken}, so the server of the highest
 * weight takes a turn every round and one of a third of that weight every third round; each then
 * ends with a share of the slots proportional to its weight (measured within 0.01% of the table).
 *
 * <p>Cost: about M ln M slot probes for the permutation walks plus n checks per round, and the
 * number of rounds is about M * maxWeight / totalWeight; with equal weights the build is O(M log M)
 * whatever n is (a few milliseconds for M = 65,537 at 10,000 servers). Extreme weight skew (one
 * server thousands of times heavier than all others together) approaches n * M checks.
 *
 * <p>The key hash is reduced to a slot by a multiply-high ({@code ((hash >>> 32) * M) >>> 32}),
 * which spreads keys over the slots as evenly as {@code hash mod M} without a 64-bit division. A
 * pick without a hash key reads a uniformly random slot, so servers are chosen in proportion to
 * their share of the table (their weight).
 */
final class MaglevSelector extends LoadIgnoringSelector {
  private static final HashFunction HASH = Hashing.murmur3_128();

  private final int tableSize;

  MaglevSelector(int tableSize) {
    super("maglev");
    this.tableSize = tableSize;
  }

  @Override
  public Picker newPicker(ImmutableList<Endpoint> endpoints, RandomGenerator random) {
    return new MaglevPicker(table(endpoints.toArray(new Endpoint[0]), tableSize), random);
  }

  /** Fills the lookup table of {@code m} slots (m prime) over these endpoints (never empty). */
  static Endpoint[] table(Endpoint[] endpoints, int m) {
    int n = endpoints.length;
    int[] next = new int[n];
    int[] skip = new int[n];
    double[] weight = new double[n];
    double[] turns = new double[n];
    double max = 0;
    for (Endpoint e : endpoints) {
      max = Math.max(max, e.weight);
    }
    for (int i = 0; i < n; i++) {
      HashCode h = HASH.hashString(endpoints[i].server.id(), StandardCharsets.UTF_8);
      ByteBuffer bytes = ByteBuffer.wrap(h.asBytes()).order(ByteOrder.LITTLE_ENDIAN);
      next[i] = (int) Long.remainderUnsigned(bytes.getLong(0), m);
      skip[i] = (int) Long.remainderUnsigned(bytes.getLong(8), m - 1) + 1;
      weight[i] = endpoints[i].weight / max;
    }
    // Fill indices first: an int[] has no null checks or GC card marks on the hot probe loop.
    int[] owner = new int[m];
    Arrays.fill(owner, -1);
    int filled = 0;
    for (long round = 0; ; round++) {
      for (int i = 0; i < n; i++) {
        if (round * weight[i] < turns[i]) {
          continue; // a lighter server sits out this round
        }
        turns[i] += 1.0;
        int c = next[i];
        int s = skip[i];
        while (owner[c] >= 0) {
          c += s;
          if (c >= m) {
            c -= m;
          }
        }
        owner[c] = i;
        c += s;
        next[i] = c >= m ? c - m : c;
        if (++filled == m) {
          Endpoint[] table = new Endpoint[m];
          for (int slot = 0; slot < m; slot++) {
            table[slot] = endpoints[owner[slot]];
          }
          return table;
        }
      }
    }
  }

  /** The slot of a key hash in a table of {@code m} slots. */
  static int slot(long keyHash, int m) {
    return (int) (((keyHash >>> 32) * m) >>> 32);
  }

  private static final class MaglevPicker implements Picker {
    private final Endpoint[] table;
    private final RandomGenerator random;

    MaglevPicker(Endpoint[] table, RandomGenerator random) {
      this.table = table;
      this.random = random;
    }

    @Override
    public Endpoint pick(long nowNanos) {
      return table[random.nextInt(table.length)];
    }

    @Override
    public Endpoint pick(PickContext context, long nowNanos) {
      if (!context.hasHashKey()) {
        return pick(nowNanos);
      }
      return table[slot(context.hashKey(), table.length)];
    }
  }
}
