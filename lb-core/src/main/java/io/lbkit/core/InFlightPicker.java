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
import org.jspecify.annotations.Nullable;

/**
 * A picker over the loads of the built-in in-flight metrics ({@link LoadMetric#inFlight()}, {@link
 * LoadMetric#weightedInFlight()}), which power of two choices and least connections extend. The
 * loads are read from arrays indexed like the picker's endpoints, fields of the picker itself (no
 * object between them and the pick): each server's statistics and its divisor (the warm-up factor,
 * or the weight). A candidate then costs the read of its statistics alone, not of its endpoint
 * first: with thousands of servers neither sits in the near caches, and only the chosen endpoint is
 * read (by the in-flight count that follows the pick). Built with the picker, never written after.
 *
 * <p>Both metrics order servers by {@code (in flight + failure penalty + 1) / divisor}: the
 * weighted one is that quotient; the unweighted one, that quotient minus one (a warming server
 * looks as loaded as if it had 1/factor times the requests, plus one), which orders them the same.
 * While every divisor is 1 (the common case: no weights, no server warming up) the {@link
 * #inFlightLoad} alone orders them. A scan reads the quotient ({@link #load}): each endpoint's
 * division is independent of the others' and overlaps with them, while a cross-multiplication by
 * the best so far, as power of two choices compares its two weighted candidates, would put a
 * multiplication on the chain that carries the best from one endpoint to the next.
 */
abstract class InFlightPicker implements Selector.Picker {
  /** Whether this class computes the metric's loads: one of the two built-in in-flight metrics. */
  static boolean computes(LoadMetric metric) {
    return metric == LoadMetrics.IN_FLIGHT || metric == LoadMetrics.WEIGHTED_IN_FLIGHT;
  }

  /** The endpoints, this picker's own copy of its snapshot's list (at least two). */
  final Endpoint[] endpoints;

  /** The balancer's random source. */
  final RandomGenerator random;

  /** Each endpoint's statistics. */
  final ServerStats[] stats;

  /**
   * Each endpoint's divisor: its weight (weighted), else its warm-up factor; null when every
   * divisor is 1, so that a pick reads one array less and skips the arithmetic.
   */
  final double @Nullable [] divisors;

  private final Accounting accounting;

  /** The failure penalty's decay time. */
  final double decayNanos;

  /** A picker of {@code metric}'s loads (one that this class {@link #computes}). */
  InFlightPicker(Endpoint[] endpoints, LoadMetric metric, RandomGenerator random) {
    this.endpoints = endpoints;
    this.random = random;
    boolean weighted = metric == LoadMetrics.WEIGHTED_IN_FLIGHT;
    int n = endpoints.length;
    this.stats = new ServerStats[n];
    double[] d = new double[n];
    boolean ones = true;
    for (int i = 0; i < n; i++) {
      Endpoint e = endpoints[i];
      stats[i] = e.stats;
      d[i] = weighted ? e.weight : e.warmupFactor;
      ones &= d[i] == 1.0;
    }
    this.divisors = ones ? null : d;
    this.accounting = endpoints[0].accounting;
    this.decayNanos = accounting.slowDecayNanos;
  }

  /** The in-flight epoch of a pick at {@code now}: computed once per pick, for every candidate. */
  final int epoch(long now) {
    return accounting.epoch(now);
  }

  /** Endpoint {@code i}'s in-flight count in {@code epoch} plus its failure penalty. */
  final double inFlightLoad(int i, int epoch, long now) {
    return LoadMetrics.inFlightLoad(stats[i], epoch, now, decayNanos);
  }

  /**
   * Endpoint {@code i}'s load as a scan compares it: {@code (inFlightLoad + 1) / divisor}, or the
   * in-flight load alone while every divisor is 1. Ordered as the metric orders it (see the class
   * comment), not equal to it.
   */
  final double load(int i, int epoch, long now) {
    double[] d = divisors;
    double load = inFlightLoad(i, epoch, now);
    return d == null ? load : (load + 1) / d[i];
  }
}
