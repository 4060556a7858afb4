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

/** The built-in {@link LoadMetric}s, as singletons that read the statistics directly. */
enum LoadMetrics implements LoadMetric {
  IN_FLIGHT {
    @Override
    public double load(Endpoint e, long nowNanos) {
      Accounting rec = e.accounting;
      return inFlight(e.stats, e.warmupFactor, rec.epoch(nowNanos), nowNanos, rec.slowDecayNanos);
    }

    @Override
    public boolean usesLatency() {
      return false;
    }
  },
  WEIGHTED_IN_FLIGHT {
    @Override
    public double load(Endpoint e, long nowNanos) {
      Accounting rec = e.accounting;
      return weightedInFlight(e.stats, e.weight, rec.epoch(nowNanos), nowNanos, rec.slowDecayNanos);
    }

    @Override
    public boolean usesLatency() {
      return false;
    }
  },
  PEAK_EWMA {
    @Override
    public double load(Endpoint e, long nowNanos) {
      Accounting rec = e.accounting;
      int inFlight = rec.inFlight(e, nowNanos);
      double latency = rec.latency(e, nowNanos, inFlight);
      if (latency == 0 && inFlight > 0) {
        // Never measured, and its first answer is still pending: it may be cold and slow, so it
        // gets no second request before the first answers (Finagle's rule) unless every other
        // server is in the same state. Without this a new server costs almost nothing and takes
        // every pick it is drawn for until it answers, whatever its slow-start weight.
        latency = UNMEASURED_BUSY_NANOS;
      }
      // A server never measured (or fully decayed) costs nothing but its queue: (0 + tiny) keeps
      // the in-flight term as the tie-breaker instead of every idle server costing exactly zero.
      return (latency + 1.0) * (inFlight + 1) / e.weight;
    }
  };

  /**
   * {@link #IN_FLIGHT}'s load from a server's statistics and warm-up factor: the in-flight count in
   * {@code epoch} plus the failure penalty. {@link InFlightPicker} orders servers the same way.
   */
  static double inFlight(
      ServerStats stats, double warmupFactor, int epoch, long nowNanos, double decayNanos) {
    double load = inFlightLoad(stats, epoch, nowNanos, decayNanos);
    // A warming server looks as loaded as if it had 1/factor times the requests (plus one).
    return warmupFactor == 1.0 ? load : (load + 1) / warmupFactor - 1;
  }

  /** {@link #WEIGHTED_IN_FLIGHT}'s load from a server's statistics and weight, as above. */
  private static double weightedInFlight(
      ServerStats stats, double weight, int epoch, long nowNanos, double decayNanos) {
    return (inFlightLoad(stats, epoch, nowNanos, decayNanos) + 1) / weight;
  }

  /** A server's in-flight count in {@code epoch} plus its failure penalty, before any divisor. */
  static double inFlightLoad(ServerStats stats, int epoch, long nowNanos, double decayNanos) {
    return stats.inFlight(epoch) + stats.failurePenalty(nowNanos, decayNanos);
  }

  /**
   * The latency a never-measured server with requests in flight counts as: more than any real
   * estimate (11.6 days), finite so that the in-flight and weight terms still order such servers.
   */
  private static final double UNMEASURED_BUSY_NANOS = 1e15;
}
