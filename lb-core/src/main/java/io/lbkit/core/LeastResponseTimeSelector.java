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
 * Least response time: the endpoint with the least expected wait, scanning all of them in fleets of
 * up to {@value #MAX_SCAN} and a random window of that many in larger ones (O(min(n, 128))), ties
 * broken at random in proportion to weight. In-flight requests are the main signal, latency a
 * bounded correction:
 *
 * <pre>
 *   cost = (inFlight / weight + 1) x (1 + log2(max(1, estimate / (2 x fleet)))
 * </pre>
 *
 * where weight is relative to the heaviest endpoint's and fleet is the estimate of the fastest
 * other measured endpoint (peak-EWMA estimates sit above their servers' typical latency by their
 * recent noise; the fastest is the least inflated). Idle servers of typical speed all cost 1 and
 * share the picks in proportion to their weights (a warming server follows its slow-start ramp). A
 * server up to (1 + BAND) times slower than its peers costs what its queue costs, as with least
 * connections, so the estimate's noise neither spreads picks unevenly nor herds them; a clearly
 * slower one costs in proportion to how much slower it is. While a server has nothing in flight its
 * estimate decays towards the fleet's (not towards zero) with the latency model's decay time: a
 * server that gave one slow answer, or that no pick has measured for a while, comes back as a
 * typical server within about a decay time instead of waiting for its own estimate to fall below
 * everyone's. The first pass over the endpoints sums the estimates; the second compares costs. Both
 * read only the endpoints' own atomic words: no lock, no allocation, no shared write on the pick
 * path except the fleet hint that {@link Accounting#publishFleetLatency} writes when it moved.
 */
final class LeastResponseTimeSelector implements Selector {
  /** How much slower than the fleet (as a ratio minus one) still counts as equal. */
  static final double BAND = 1.0;

  /**
   * The most endpoints one pick compares: all of them in fleets up to this size, else a random
   * window of this many, so that a pick costs O(min(n, MAX_SCAN)).
   */
  static final int MAX_SCAN = 128;

  /** How many endpoints' estimates set the yardstick (see newPicker). */
  static final int YARDSTICK_SAMPLE = 8;

  private static final double INV_LN2 = 1 / Math.log(2);

  /**
   * The latency factor of a never-measured server whose first answer is still pending: it may be
   * cold and slow, so it gets no second request before the first answers unless every other server
   * is as loaded (Finagle's rule), and finite so that in-flight and weight still order such
   * servers.
   */
  private static final double UNMEASURED_BUSY = 1e9;

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    if (array.length == 1) {
      Endpoint only = array[0];
      return now -> only;
    }
    Accounting accounting = array[0].accounting;
    // Weights relative to the heaviest, so that the in-flight term keeps its scale whatever unit
    // the weights are given in.
    double maxWeight = 0;
    for (Endpoint e : array) {
      maxWeight = Math.max(maxWeight, e.weight);
    }
    double[] relativeWeight = new double[array.length];
    for (int i = 0; i < array.length; i++) {
      relativeWeight[i] = array[i].weight / maxWeight;
    }
    // The endpoints whose estimates set the yardstick: all of them up to YARDSTICK_SAMPLE, else
    // that
    // many spread evenly over the list. The fastest of a few is a low quantile of the fleet that
    // one lucky server's noise does not drag down, and the first pass costs O(1) at any size.
    int sampled = Math.min(array.length, YARDSTICK_SAMPLE);
    Endpoint[] yardstick = new Endpoint[sampled];
    for (int i = 0; i < sampled; i++) {
      yardstick[i] = array[(int) ((long) i * array.length / sampled)];
    }
    return now -> {
      double sum = 0;
      double max = 0;
      double min1 = Double.POSITIVE_INFINITY;
      double min2 = Double.POSITIVE_INFINITY;
      int measured = 0;
      for (Endpoint e : yardstick) {
        double estimate = ServerStats.estimateOf(e.stats.latencyWord());
        if (estimate > 0) {
          sum += estimate;
          max = Math.max(max, estimate);
          if (estimate < min1) {
            min2 = min1;
            min1 = estimate;
          } else if (estimate < min2) {
            min2 = estimate;
          }
          measured++;
        }
      }
      if (measured > 0) {
        // The mean without the slowest, so that one slow server does not raise the fleet's
        // yardstick (the ceiling for its own next slow sample).
        accounting.publishFleetLatency(measured > 1 ? (sum - max) / (measured - 1) : sum);
      }
      Endpoint best = array[0];
      double bestCost = Double.POSITIVE_INFINITY;
      double tiedWeight = 0;
      int n = array.length;
      int scan = Math.min(n, MAX_SCAN);
      // Up to MAX_SCAN endpoints, all of them; beyond, a window of MAX_SCAN consecutive ones from a
      // random start, so that every endpoint is equally likely to be a candidate and a pick stays
      // bounded at any fleet size.
      int start = scan == n ? 0 : random.nextInt(n);
      for (int k = 0; k < scan; k++) {
        int i = start + k < n ? start + k : start + k - n;
        Endpoint e = array[i];
        double w = relativeWeight[i];
        double cost = cost(e, w, now, accounting, min1, min2, measured);
        if (cost < bestCost) {
          best = e;
          bestCost = cost;
          tiedWeight = w;
        } else if (cost == bestCost) {
          // Weighted reservoir sampling: each tied endpoint wins in proportion to its weight, so
          // idle servers share the picks by weight (a warming server follows its ramp).
          tiedWeight += w;
          if (random.nextDouble() * tiedWeight < w) {
            best = e;
          }
        }
      }
      return best;
    };
  }

  private static double cost(
      Endpoint e,
      double weight,
      long now,
      Accounting accounting,
      double fastest,
      double secondFastest,
      int measured) {
    int inFlight = accounting.inFlight(e, now);
    long word = e.stats.latencyWord();
    double estimate = ServerStats.estimateOf(word);
    double factor;
    if (estimate == 0) {
      factor = inFlight > 0 && measured > 0 ? UNMEASURED_BUSY : 1.0;
    } else {
      // The fastest other server: every peak-EWMA estimate sits above its server's typical latency
      // by its recent noise, and the fastest is the least inflated; a slow server is never its own
      // yardstick.
      double fleet = measured < 2 ? estimate : estimate == fastest ? secondFastest : fastest;
      double effective = estimate;
      if (inFlight == 0) {
        long age = ServerStats.latencyAgeNanos(word, now);
        if (age > 0) {
          effective = fleet + (estimate - fleet) * Math.exp(-age / accounting.decayNanos);
        }
      }
      // Logarithmic: twice as slow again adds one queue's worth, so that a stale or noisy sample
      // shifts load moderately (as the in-flight counts would) while a server that is many times
      // slower, or keeps failing, is still held off.
      factor = 1 + Math.log(Math.max(1.0, effective / ((1 + BAND) * fleet))) * INV_LN2;
    }
    // Failures count through the estimate (each one at least doubles it), not as extra load: the
    // in-flight metrics' failure penalty lasts seconds, which would starve a server that failed a
    // few calls while it restarted long after it answers well again.
    return (inFlight / weight + 1) * factor;
  }

  @Override
  public String name() {
    return "least_response_time";
  }
}
