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
import java.util.random.RandomGenerator;

/**
 * Consistent hashing on a ring of weighted virtual nodes (Karger et al.; Envoy's and Nginx's "ring
 * hash"). The ring ({@link HashRing}) is built once per snapshot; a pick is one binary search over
 * a sorted {@code long[]}: O(log V) for V virtual nodes, no allocation.
 *
 * <p>A pick without a hash key uses a uniformly random point of the ring, which chooses servers in
 * proportion to their share of the ring (their weight).
 */
final class RingHashSelector extends LoadIgnoringSelector {
  private final int minRingSize;
  private final int virtualNodes;

  RingHashSelector(int minRingSize, int virtualNodes) {
    super("ring_hash");
    this.minRingSize = minRingSize;
    this.virtualNodes = virtualNodes;
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    return new RingPicker(
        HashRing.build(
            endpoints.toArray(new Endpoint[0]),
            minRingSize,
            virtualNodes,
            inputs.state(this, HashRing.PositionCache::new)),
        random);
  }

  private static final class RingPicker implements Picker {
    private final HashRing ring;
    private final RandomGenerator random;

    RingPicker(HashRing ring, RandomGenerator random) {
      this.ring = ring;
      this.random = random;
    }

    @Override
    public Endpoint pick(long nowNanos) {
      return ring.lookup(random.nextLong());
    }

    @Override
    public Endpoint pick(PickContext context, long nowNanos) {
      return ring.lookup(context.hasHashKey() ? context.hashKey() : random.nextLong());
    }
  }
}
