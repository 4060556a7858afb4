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

import java.util.random.RandomGenerator;

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing
 * with Bounded Loads", SODA 2018), weighted, over the same ring as {@link RingHashSelector}.
 *
 * <p>A key starts at its ring position, as in ring hashing, but a server takes the request only if
 * its in-flight count is below its capacity {@code ceil((1 + epsilon) * (T + 1) * weight /
 * totalWeight)}, where T is the number of requests in flight on all endpoints of the snapshot (so
 * {@code (T + 1) / n} is the average load including this request, for equal weights). Otherwise the
 * pick walks clockwise, virtual node by virtual node, to the first server below its capacity: the
 * overflow of a hot key spreads deterministically over the servers that follow it on the ring, the
 * same ones for every client. Since the capacities add up to more than T, some server is always
 * below its own.
 *
 * <p>Cost: a server with nothing in flight is below any capacity, so a pick that lands on an idle
 * server is one binary search, as for the plain ring. Otherwise the pick needs T, which it reads in
 * O(1) from the balancer-wide in-flight total ({@link PickerInputs#inFlightTotal}, which the
 * balancer keeps because this selector {@linkplain #usesInFlightTotal asks for it}). That total
 * also counts requests still running on servers that have left the snapshot (ejected, draining,
 * removed), which loosens the bound a little while they finish. Under a subset or zone decorator T
 * is summed over the part's endpoints (O(n) for such a pick). The walk itself visits O(1 /
 * epsilon^2) servers in expectation (the paper's bound) and at most the whole ring.
 *
 * <p>The bound holds for each pick against the in-flight counts it reads: picks that run at the
 * same moment may each see a server just below its capacity and together take it a few requests
 * past it. Keys stay on their server only while it is below capacity: under load, the
 * session-affinity of {@link Selectors#ringHash()} is traded for the bound.
 */
final class BoundedLoadHashSelector implements Selector {
  // Capacities are compared in floating point; shaving this relative margin makes a comparison
  // that is exactly at the bound (load == capacity) fail as it should, despite rounding.
  private static final double ROUNDING_MARGIN = 1 - 0x1p-40;

  private final double epsilon;
  private final int minRingSize;
  private final int virtualNodes;

  BoundedLoadHashSelector(double epsilon, int minRingSize, int virtualNodes) {
    this.epsilon = epsilon;
    this.minRingSize = minRingSize;
    this.virtualNodes = virtualNodes;
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    Endpoint[] array = inputs.endpoints().toArray(new Endpoint[0]);
    HashRing ring =
        HashRing.build(
            array, minRingSize, virtualNodes, inputs.state(this, HashRing.PositionCache::new));
    double total = 0;
    for (Endpoint e : array) {
      total += e.weight;
    }
    double[] capacityPerRequest = new double[array.length];
    for (int i = 0; i < array.length; i++) {
      capacityPerRequest[i] = (1 + epsilon) * array[i].weight / total * ROUNDING_MARGIN;
    }
    return new BoundedPicker(ring, capacityPerRequest, inputs, inputs.random());
  }

  @Override
  public boolean usesInFlightTotal() {
    return true;
  }

  @Override
  public boolean usesInFlight() {
    return true;
  }

  @Override
  public boolean usesLatency() {
    return false;
  }

  @Override
  public String name() {
    return "bounded_load_hash";
  }

  private static final class BoundedPicker implements Picker {
    private final HashRing ring;
    private final double[] capacityPerRequest;
    private final Accounting accounting;
    private final PickerInputs inputs;
    private final RandomGenerator random;

    BoundedPicker(
        HashRing ring, double[] capacityPerRequest, PickerInputs inputs, RandomGenerator random) {
      this.ring = ring;
      this.capacityPerRequest = capacityPerRequest;
      this.accounting = inputs.endpoints().get(0).accounting;
      this.inputs = inputs;
      this.random = random;
    }

    @Override
    public Endpoint pick(long nowNanos) {
      return pick(random.nextLong(), nowNanos);
    }

    @Override
    public Endpoint pick(PickContext context, long nowNanos) {
      return pick(context.hasHashKey() ? context.hashKey() : random.nextLong(), nowNanos);
    }

    private Endpoint pick(long keyHash, long nowNanos) {
      HashRing r = ring;
      Endpoint[] endpoints = r.endpoints;
      int epoch = accounting.epoch(nowNanos);
      int start = r.nodeIndex(keyHash);
      int size = r.points.length;
      long requests = -1; // T + 1, summed only once some candidate is busy
      int node = start;
      for (int steps = 0; steps < size; steps++) {
        int owner = r.ownerIndex(node);
        Endpoint e = endpoints[owner];
        int load = e.stats.inFlight(epoch);
        if (load == 0) {
          return e; // every capacity is at least 1
        }
        if (requests < 0) {
          // At least this server's own load: the total is read after it, and a release in
          // between could otherwise leave the total below the load already seen.
          requests = 1 + Math.max(load, inputs.inFlightTotal(nowNanos));
        }
        // load < ceil(x) is load < x for an integer load.
        if (load < capacityPerRequest[owner] * requests) {
          return e;
        }
        node = node + 1 == size ? 0 : node + 1;
      }
      // Only reachable when concurrent picks filled every server between our reads.
      return r.owner(start);
    }
  }
}
