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

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Ticker;
import com.google.common.hash.Hashing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Rebuilds of {@link HashRing} that start from the previous ring (merging the changed servers'
 * virtual nodes into the unchanged ones) must build exactly the ring a full build does, and the
 * allocation-free Murmur3 must hash exactly as Guava's (which ring positions and Maglev
 * permutations are specified by).
 */
class HashRingUpdateTest {
  private static final Accounting RECORDER =
      new Accounting(Ticker.systemTicker(), false, false, 1_000_000, LatencyModel.DEFAULT, null);

  private static Endpoint endpoint(String id, double weight) {
    return new Endpoint(
        Server.builder(id, 80).weight(weight).build(), 1.0, new ServerStats(), RECORDER);
  }

  @Test
  void murmur3MatchesGuavaForEveryTailLengthAndNonAsciiBytes() {
    Random random = new Random(42);
    for (int length = 0; length <= 48; length++) {
      for (int trial = 0; trial < 20; trial++) {
        byte[] bytes = new byte[length + 3];
        random.nextBytes(bytes);
        ByteBuffer guava =
            ByteBuffer.wrap(Hashing.murmur3_128().hashBytes(bytes, 0, length).asBytes())
                .order(ByteOrder.LITTLE_ENDIAN);
        long[] second = new long[1];
        assertThat(Murmur3.hash64(bytes, length))
            .as("length %s", length)
            .isEqualTo(guava.getLong(0));
        assertThat(Murmur3.hash128(bytes, length, second)).isEqualTo(guava.getLong(0));
        assertThat(second[0]).as("second half, length %s", length).isEqualTo(guava.getLong(8));
      }
    }
  }

  @Test
  void positionsMatchGuavaOnTheIdHashIndexString() {
    for (String id :
        new String[] {"10.0.0.1:8080", "", "zürich-1", "東京:443", "a#b", "\uD83D\uDE00"}) {
      for (int k : new int[] {0, 1, 9, 10, 99, 100, 12345, Integer.MAX_VALUE}) {
        assertThat(HashRing.position(id, k))
            .as("%s#%s", id, k)
            .isEqualTo(
                Hashing.murmur3_128().hashString(id + '#' + k, StandardCharsets.UTF_8).asLong());
      }
    }
  }

  @Test
  void everyIncrementalRebuildEqualsAFullBuild() {
    Random random = new Random(7);
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      list.add(endpoint("s" + i, 1 + random.nextInt(5)));
    }
    HashRing.PositionCache cache = new HashRing.PositionCache();
    int nextId = 60;
    // Joins, leaves (anywhere in the list), weight changes (also of the heaviest, which changes
    // every count), reorders, and sizes that cross powers of two (a new owner mask).
    for (int step = 0; step < 300; step++) {
      int op = random.nextInt(6);
      if ((op == 0 || list.size() < 3) && list.size() < 140) {
        list.add(random.nextInt(list.size() + 1), endpoint("s" + nextId++, 1 + random.nextInt(5)));
      } else if (op == 1 && list.size() > 2) {
        list.remove(random.nextInt(list.size()));
      } else if (op == 2) {
        int i = random.nextInt(list.size());
        Endpoint old = list.get(i);
        list.set(
            i,
            new Endpoint(old.server.withWeight(1 + random.nextInt(8)), 1.0, old.stats, RECORDER));
      } else if (op == 3) {
        list.add(list.remove(random.nextInt(list.size())));
      } else if (op == 4) {
        for (int k = 0; k < 20 && list.size() < 140; k++) {
          list.add(endpoint("s" + nextId++, 1 + random.nextInt(5)));
        }
      } else {
        for (int k = 0; k < 20 && list.size() > 3; k++) {
          list.remove(random.nextInt(list.size()));
        }
      }
      Endpoint[] endpoints = list.toArray(new Endpoint[0]);
      int nodes = step % 50 == 49 ? 7 : 20;
      HashRing incremental = HashRing.build(endpoints, 1, nodes, cache);
      HashRing full = HashRing.build(endpoints, 1, nodes);
      assertThat(incremental.points).as("step %s", step).isEqualTo(full.points);
      assertThat(incremental.endpoints).isSameAs(endpoints);
    }
  }

  @Test
  void addingOrRemovingOneOfTenThousandServersKeepsTheOthersEntries() {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      list.add(endpoint("10.0." + (i >> 8) + "." + (i & 0xFF), 1));
    }
    HashRing.PositionCache cache = new HashRing.PositionCache();
    HashRing.build(list.toArray(new Endpoint[0]), 1, 100, cache);
    list.add(endpoint("new", 1));
    Endpoint[] grown = list.toArray(new Endpoint[0]);
    assertThat(HashRing.build(grown, 1, 100, cache).points)
        .isEqualTo(HashRing.build(grown, 1, 100).points);
    list.remove(5_000);
    Endpoint[] shrunk = list.toArray(new Endpoint[0]);
    assertThat(HashRing.build(shrunk, 1, 100, cache).points)
        .isEqualTo(HashRing.build(shrunk, 1, 100).points);
  }

  @Test
  void sortUniformSortsLikeArraysSortWhateverTheInput() {
    Random random = new Random(11);
    long[] uniform = random.longs(300_000).toArray();
    long[] clustered = new long[50_000];
    for (int i = 0; i < clustered.length; i++) {
      // All in a few buckets, with duplicates: the crowded-bucket path.
      clustered[i] = (random.nextInt(3) - 1) * (1L << 62) + random.nextInt(1000);
    }
    long[] small = random.longs(100).toArray();
    long[] extremes = new long[10_000];
    for (int i = 0; i < extremes.length; i++) {
      extremes[i] = i % 2 == 0 ? Long.MIN_VALUE + i : Long.MAX_VALUE - i;
    }
    for (long[] input : new long[][] {uniform, clustered, small, extremes}) {
      long[] expected = input.clone();
      Arrays.sort(expected);
      assertThat(HashRing.sortUniform(input.clone())).isEqualTo(expected);
    }
  }
}
