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

import com.google.common.collect.ImmutableList;
import com.google.common.math.IntMath;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>Table size: fixed ({@link Selectors#maglev(int)}), or sized to the fleet ({@link
 * Selectors#maglev()}): at least {@value #SLOTS_PER_SERVER} slots per server, from {@value
 * #MIN_TABLE_SIZE} slots up to {@value #MAX_TABLE_SIZE}. A sized table grows along a fixed ladder
 * of primes (65,537, then the least prime at or above twice the previous one), so that every client
 * that has seen the same fleet size has the same table (the same key, the same server), and it
 * never shrinks, since a new size remaps almost every key: a fleet that flaps around a step does
 * not reshuffle its keys each time. A sized table's current size is state of each balancer ({@link
 * PickerInputs#state}), so one selector may serve balancers of different fleets.
 */
final class MaglevSelector extends LoadIgnoringSelector {
  /** The table of a sized selector for up to 655 servers: Envoy's default size. */
  static final int MIN_TABLE_SIZE = 65_537;

  /** The largest table: a prime just above 2^24 (64 or 128 MiB of references). */
  static final int MAX_TABLE_SIZE = 16_777_259;

  /** The least number of slots per server a sized table keeps (Maglev's paper: M >= 100 N). */
  static final int SLOTS_PER_SERVER = 100;

  private final boolean sized;

  // The fixed size, or a sized table's first size. A sized table's current size is the largest
  // step a balancer's fleet has needed so far, kept per balancer in an AtomicInteger: the snapshots
  // of one balancer may be built on several threads at once (a change that loses the race is
  // rebuilt), so it only ever grows, atomically.
  private final int initialSize;

  // The size of the table built last, by any balancer (for tests and diagnostics).
  private final AtomicInteger lastSize;

  private MaglevSelector(int tableSize, boolean sized) {
    super("maglev");
    this.initialSize = tableSize;
    this.lastSize = new AtomicInteger(tableSize);
    this.sized = sized;
  }

  /** A selector over a table of exactly this many slots (a prime). */
  static MaglevSelector fixed(int tableSize) {
    return new MaglevSelector(tableSize, false);
  }

  /** A selector whose table grows with the fleet. */
  static MaglevSelector sizedToFleet() {
    return new MaglevSelector(MIN_TABLE_SIZE, true);
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    int m =
        sized
            ? grow(inputs.state(this, () -> new AtomicInteger(initialSize)), endpoints.size())
            : initialSize;
    lastSize.set(m);
    return new MaglevPicker(table(endpoints.toArray(new Endpoint[0]), m), inputs.random());
  }

  /** The table size for {@code n} servers, growing the current one if it is too small. */
  private static int grow(AtomicInteger tableSize, int n) {
    int current = tableSize.get();
    int wanted = sizeFor(n, current);
    return wanted == current ? current : tableSize.accumulateAndGet(wanted, Math::max);
  }

  /**
   * The least step of the ladder, from {@code current} on, that holds {@value #SLOTS_PER_SERVER}
   * slots per server, or the largest table.
   */
  static int sizeFor(int servers, int current) {
    long needed = (long) servers * SLOTS_PER_SERVER;
    int m = current;
    while (m < needed && m < MAX_TABLE_SIZE) {
      m = nextStep(m);
    }
    return m;
  }

  /** The step after {@code m}: the least prime at or above {@code 2 m}, at most the largest. */
  static int nextStep(int m) {
    if ((long) m * 2 >= MAX_TABLE_SIZE) {
      return MAX_TABLE_SIZE;
    }
    int p = m * 2;
    while (!IntMath.isPrime(p)) {
      p++;
    }
    return Math.min(p, MAX_TABLE_SIZE);
  }

  /** The number of slots of the table built last (for tests and diagnostics). */
  int tableSize() {
    return lastSize.get();
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
    long[] second = new long[1];
    for (int i = 0; i < n; i++) {
      // Murmur3-128 of the id's UTF-8 bytes, as Guava's murmur3_128().hashString(id, UTF_8), whose
      // hash code and byte buffer per server cost more than the hash itself.
      byte[] id = endpoints[i].server.id().getBytes(StandardCharsets.UTF_8);
      long h1 = Murmur3.hash128(id, id.length, second);
      next[i] = (int) Long.remainderUnsigned(h1, m);
      skip[i] = (int) Long.remainderUnsigned(second[0], m - 1) + 1;
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
