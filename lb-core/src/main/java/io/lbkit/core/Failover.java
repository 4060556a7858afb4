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

import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * How a pick that excludes servers (a retry) chooses among the rest. It reads the endpoints and
 * their statistics, never the selector's picker, so that a retry cannot move state that first
 * attempts follow: with round robin, a retry that advanced the shared rotation would make every
 * first attempt after a failing server land on that same failing server again.
 *
 * <p>The rule, the same for every selector:
 *
 * <ul>
 *   <li>a request with a hash key goes to the candidate with the highest weighted rendezvous score
 *       of (key, server id), so retries of one key agree across clients and calls, and a server
 *       that fails moves only its own keys;
 *   <li>otherwise, when the balancer counts in-flight requests, the less loaded of two distinct
 *       random candidates by in-flight requests per unit of weight (with the failure penalty);
 *   <li>otherwise a weighted random candidate.
 * </ul>
 *
 * <p>Each choice is O(n) in the candidates and allocates nothing: retries are rare next to first
 * attempts, and a rebuilt per-exclusion picker would cost far more.
 */
final class Failover {
  private Failover() {}

  /**
   * One candidate that the context does not exclude, or null when it excludes every one.
   *
   * @param nowNanos the balancer's ticker reading for this pick (0 if it reads none)
   */
  static @Nullable Endpoint choose(
      List<Endpoint> candidates,
      PickContext context,
      long nowNanos,
      Accounting accounting,
      RandomGenerator random) {
    int allowed = 0;
    double totalWeight = 0;
    for (Endpoint e : candidates) {
      if (!context.excludes(e.server.id())) {
        allowed++;
        totalWeight += e.weight;
      }
    }
    if (allowed == 0) {
      return null;
    }
    if (context.hasHashKey()) {
      return rendezvous(candidates, context);
    }
    if (allowed == 1) {
      return nth(candidates, context, 0);
    }
    if (accounting.trackInFlight) {
      int a = random.nextInt(allowed);
      int b = random.nextInt(allowed - 1);
      if (b >= a) {
        b++;
      }
      Endpoint first = nth(candidates, context, a);
      Endpoint second = nth(candidates, context, b);
      LoadMetric metric = LoadMetrics.WEIGHTED_IN_FLIGHT;
      return metric.load(second, nowNanos) < metric.load(first, nowNanos) ? second : first;
    }
    double target = random.nextDouble() * totalWeight;
    Endpoint last = null;
    for (Endpoint e : candidates) {
      if (context.excludes(e.server.id())) {
        continue;
      }
      last = e;
      target -= e.weight;
      if (target < 0) {
        return e;
      }
    }
    return last; // rounding left a sliver of the total: the last allowed candidate takes it
  }

  /** The {@code rank}-th candidate (from 0) that the context does not exclude. */
  private static Endpoint nth(List<Endpoint> candidates, PickContext context, int rank) {
    int seen = 0;
    for (Endpoint e : candidates) {
      if (!context.excludes(e.server.id()) && seen++ == rank) {
        return e;
      }
    }
    throw new AssertionError("rank " + rank + " beyond the allowed candidates");
  }

  /**
   * Weighted rendezvous (highest random weight) hashing: the score of a server is {@code -weight /
   * ln(u)} for a uniform {@code u} in (0, 1) derived from the key and the server id, and the
   * highest score wins. Each server wins a share of keys proportional to its weight, and excluding
   * a server moves only the keys it would have won.
   */
  private static @Nullable Endpoint rendezvous(List<Endpoint> candidates, PickContext context) {
    Endpoint best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    long key = context.hashKey();
    for (Endpoint e : candidates) {
      if (context.excludes(e.server.id())) {
        continue;
      }
      long h = Murmur3.fmix64(key ^ Murmur3.fmix64(e.server.id().hashCode() * 0x9E3779B97F4A7C15L));
      // 53 random bits, offset by half a step: u is never 0 or 1, so ln(u) is finite and negative.
      double u = ((h >>> 11) + 0.5) * 0x1.0p-53;
      double score = -e.weight / Math.log(u);
      if (score > bestScore) {
        bestScore = score;
        best = e;
      }
    }
    return best;
  }
}
