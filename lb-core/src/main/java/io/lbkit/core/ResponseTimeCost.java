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

/**
 * The cost that least response time ({@link LeastResponseTimeSelector}) gives one endpoint at one
 * pick, from its own atomic words and the fleet's yardsticks that the pick computed once:
 *
 * <pre>
 *   cost = (awaiting / weight + 1) x (1 + log2(max(1, estimate / band)))
 * </pre>
 *
 * where the band is (1 + {@value #BAND}) times the fleet's typical estimate (never less than the
 * fastest other server's), and an idle server's estimate above it decays towards the fleet's. The
 * selector's Javadoc gives the reasons; this class only computes. Static, lock-free,
 * allocation-free: it reads the endpoint's in-flight and latency words and, for a slow server or
 * while the fleet has back-off levels, its back-off word, which it may advance by one
 * compare-and-set ({@link SlowServerBackoff#observe}).
 */
final class ResponseTimeCost {
  private ResponseTimeCost() {}

  /** How much slower than typical (as a ratio minus one) still counts as equal. */
  static final double BAND = 1.0;

  /**
   * The latency factor of a never-measured server whose first answer is still pending: it may be
   * cold and slow, so it gets no second request before the first answers unless every other server
   * is as loaded (Finagle's rule), and finite so that in-flight and weight still order such
   * servers.
   */
  private static final double UNMEASURED_BUSY = 1e9;

  /**
   * The cost of the endpoint whose statistics, relative weight and back-off are given, at {@code
   * now} in the in-flight {@code epoch}: {@code decayRate} is the reciprocal of the latency model's
   * decay time; {@code fastest}, {@code secondFastest} and {@code typical} the sampled estimates,
   * {@code measured} how many of the sample had one, {@code anyLevel} whether any server of the
   * fleet has a back-off level.
   */
  static double of(
      ServerStats stats,
      double weight,
      SlowServerBackoff backoff,
      double decayRate,
      long now,
      int epoch,
      double fastest,
      double secondFastest,
      double typical,
      int measured,
      boolean anyLevel) {
    // Only the requests still awaiting their first response: a stream (or a long body) whose
    // response started says nothing about how long a new request waits, though it stays in
    // flight until it ends.
    int awaiting = stats.awaiting(epoch);
    long word = stats.latencyWord();
    double estimate = ServerStats.estimateOf(word);
    double factor;
    if (estimate == 0) {
      factor = awaiting > 0 && measured > 0 ? UNMEASURED_BUSY : 1.0;
    } else {
      // An idle server's estimate decays towards the fastest other server's: every peak-EWMA
      // estimate sits above its server's true latency by its recent noise, and the fastest is the
      // least inflated; a slow server is never its own target. The cost compares it with the
      // fleet's typical estimate, which one server's noise moves least, but never with less than
      // the fastest other's: in a small fleet the mean can include this server's own low estimate
      // (a server failing fast, whose failures have not yet raised it above the others), which
      // would let it measure itself against itself.
      double fleet = measured < 2 ? estimate : estimate == fastest ? secondFastest : fastest;
      double band = (1 + BAND) * (measured < 2 ? estimate : Math.max(fleet, typical));
      boolean slow = estimate > band;
      // Count the sample behind the estimate as slow or normal, once (see SlowServerBackoff). Only
      // a server that is slow, or has a level, can have anything to count; while no server of the
      // fleet has a level (nearly always), a normal one is not even read.
      long state = 0;
      if (slow || anyLevel) {
        state = backoff.read();
        if (slow || state != 0) {
          state = backoff.observe(state, word, slow);
        }
      }
      // Within the band, and so is any decay of it (it moves towards the fleet): no decay, no
      // logarithm. The slow case is a method of its own so that this one stays small enough for
      // the JIT to inline into the scan.
      factor =
          slow ? slowFactor(estimate, fleet, band, awaiting, word, now, decayRate, state) : 1.0;
    }
    // Failures count through the estimate (each one at least doubles it), not as extra load: the
    // in-flight metrics' failure penalty lasts seconds, which would starve a server that failed a
    // few calls while it restarted long after it answers well again.
    // An idle server (the common case) skips the division.
    return (awaiting == 0 ? 1.0 : awaiting / weight + 1) * factor;
  }

  /**
   * The latency factor of a server whose estimate lies above the band: its estimate, decayed
   * towards the fleet's while it has nothing awaited, as a logarithm of its ratio to the band.
   */
  private static double slowFactor(
      double estimate,
      double fleet,
      double band,
      int awaiting,
      long word,
      long now,
      double decayRate,
      long state) {
    double effective = estimate;
    if (awaiting == 0) {
      long age = ServerStats.latencyAgeNanos(word, now);
      if (age > 0) {
        // A server slow on every trial decays more slowly with each one (the back-off), so that it
        // is tried again less and less often; a fast reply among them averages in with a weight
        // that grows with the longer gap, but counts only one level down.
        // age / (decay time x multiplier) as two multiplications: a division's latency would sit
        // on the chain of dependent operations that each slow server costs the pick.
        double rate = decayRate * SlowServerBackoff.decayRateFactor(state);
        effective = fleet + (estimate - fleet) * ApproximateMath.expNegative(age * rate);
      }
    }
    // Logarithmic: twice as slow again adds one queue's worth, so that a stale or noisy sample
    // shifts load moderately (as the in-flight counts would) while a server that is many times
    // slower, or keeps failing, is still held off. Both this logarithm and the decay above are
    // computed inline (ApproximateMath): a slow idle server costs them on every pick, and the
    // JIT's out-of-line routines for Math.exp and Math.log were a tenth of the full pick path.
    return 1 + ApproximateMath.log2(Math.max(1.0, effective / band));
  }
}
