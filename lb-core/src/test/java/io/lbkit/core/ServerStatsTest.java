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
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The packed in-flight buckets and latency word of {@link ServerStats}, single-threaded. */
class ServerStatsTest {
  private static final double TAU = 10e9;
  private static final double FACTOR = 2.0;
  private static final double FLOOR = 10e6;

  private final ServerStats stats = new ServerStats();

  // ---- in-flight buckets ----

  @Test
  void countsAcquiresInTheCurrentAndPreviousEpoch() {
    stats.acquire(10);
    stats.acquire(10);
    stats.acquire(11);
    assertThat(stats.inFlight(10)).isEqualTo(2);
    assertThat(stats.inFlight(11)).isEqualTo(3);
    // Epoch 10 is two epochs old at 12: its picks have expired.
    assertThat(stats.inFlight(12)).isEqualTo(1);
    assertThat(stats.inFlight(13)).isZero();
  }

  @Test
  void releaseUndoesAcquireOfTheSameEpoch() {
    stats.acquire(10);
    stats.acquire(11);
    stats.release(10);
    assertThat(stats.inFlight(11)).isEqualTo(1);
    stats.release(11);
    assertThat(stats.inFlight(11)).isZero();
  }

  @Test
  void newerEpochRecyclesTheBucketAndDropsExpiredPicks() {
    stats.acquire(4);
    stats.acquire(4);
    stats.acquire(4);
    // Epoch 6 shares epoch 4's bucket and finds it expired: recycled with just the new pick.
    stats.acquire(6);
    assertThat(stats.inFlight(6)).isEqualTo(1);
    // Releasing the expired picks changes nothing: their bucket now belongs to epoch 6.
    stats.release(4);
    stats.release(4);
    stats.release(4);
    assertThat(stats.inFlight(6)).isEqualTo(1);
    stats.release(6);
    assertThat(stats.inFlight(6)).isZero();
  }

  @Test
  void staleAcquireIsNotCountedAndItsReleaseIsANoOp() {
    stats.acquire(8);
    // A caller that read the clock long ago (epoch 6, same bucket as 8) is simply not counted.
    stats.acquire(6);
    assertThat(stats.inFlight(8)).isEqualTo(1);
    stats.release(6);
    assertThat(stats.inFlight(8)).isEqualTo(1);
  }

  @Test
  void inFlightNeverGoesNegative() {
    stats.release(0);
    stats.release(5);
    assertThat(stats.inFlight(0)).isZero();
    assertThat(stats.inFlight(5)).isZero();

    stats.acquire(5);
    stats.release(5);
    stats.release(5);
    stats.release(5);
    assertThat(stats.inFlight(5)).isZero();
    stats.acquire(5);
    assertThat(stats.inFlight(5)).isEqualTo(1);
  }

  @Test
  void epochsWrapAroundIntRange() {
    stats.acquire(Integer.MAX_VALUE - 1);
    stats.release(Integer.MAX_VALUE - 1);
    stats.acquire(Integer.MAX_VALUE);
    stats.acquire(Integer.MIN_VALUE); // MAX_VALUE + 1
    assertThat(stats.inFlight(Integer.MIN_VALUE)).isEqualTo(2);
    // MIN_VALUE + 1 is two epochs after MAX_VALUE: recycles its bucket.
    stats.acquire(Integer.MIN_VALUE + 1);
    assertThat(stats.inFlight(Integer.MIN_VALUE + 1)).isEqualTo(2);
    stats.release(Integer.MAX_VALUE);
    assertThat(stats.inFlight(Integer.MIN_VALUE + 1)).isEqualTo(2);
  }

  @Test
  void freshStatsCountAnyFirstEpochIncludingNegativeOnes() {
    // Epochs are the ticker reading divided by the expiry, cast to int: negative for a ticker
    // with a negative origin, and for long uptimes with a short expiry.
    for (int epoch : new int[] {-1, -7, Integer.MIN_VALUE, -1_000_000, 3, Integer.MAX_VALUE}) {
      ServerStats fresh = new ServerStats();
      fresh.acquire(epoch);
      assertThat(fresh.inFlight(epoch)).as("epoch %s", epoch).isEqualTo(1);
      fresh.release(epoch);
      assertThat(fresh.inFlight(epoch)).as("epoch %s", epoch).isZero();
    }
  }

  @Test
  void manyPicksCountExactly() {
    for (int i = 0; i < 100_000; i++) {
      stats.acquire(1 + (i & 1));
    }
    assertThat(stats.inFlight(2)).isEqualTo(100_000);
    for (int i = 0; i < 100_000; i++) {
      stats.release(1 + (i & 1));
    }
    assertThat(stats.inFlight(2)).isZero();
  }

  // ---- latency word ----

  @Test
  void noSampleMeansZero() {
    assertThat(stats.latencyEstimate(123_456_789, TAU, true)).isZero();
    assertThat(stats.latencyEstimate(123_456_789, TAU, false)).isZero();
  }

  @Test
  void sampleRoundTripsThroughTheFloatPacking() {
    long[] samples = {1, 999, 1_234_567, 1_000_000_000L, 37_123_456_789L, Long.MAX_VALUE};
    // The last is clamped to ServerStats.MAX_SAMPLE_NANOS.
    long now = 5_000_000_000L;
    for (long sample : samples) {
      ServerStats s = new ServerStats();
      s.recordLatency(now, sample, TAU, false, FACTOR, FLOOR);
      // No time passed: the estimate is the sample (clamped to a day), to the packing's precision
      // (16-bit mantissa, rounded to nearest: a relative error of at most 2^-17).
      double expected = Math.min(sample, ServerStats.MAX_SAMPLE_NANOS);
      assertThat(s.latencyEstimate(now, TAU, true))
          .as("%s", sample)
          .isCloseTo(expected, within(expected * 0x1p-17));
      assertThat(s.latencyEstimate(now + 1_000_000_000L, TAU, false))
          .as("%s", sample)
          .isCloseTo(expected, within(expected * 0x1p-17));
    }
  }

  @Test
  void timestampRoundTripsAndDrivesDecay() {
    for (long now : new long[] {0, 77_777_777_777L, -5_000_000_000L, (1L << 48) - 3 * 65_536}) {
      ServerStats s = new ServerStats();
      s.recordLatency(now, 20_000_000, TAU, false, FACTOR, FLOOR);
      for (long elapsed : new long[] {0, 65_536, 1_000_000_000L, 7_500_000_000L, 60_000_000_000L}) {
        double expected = 20e6 * Math.exp(-elapsed / TAU);
        // The timestamp has a 2^16 ns resolution: at most 65,536 ns of decay error.
        assertThat(s.latencyEstimate(now + elapsed, TAU, true))
            .as("recorded at %s, read %s later", now, elapsed)
            .isCloseTo(expected, within(20e6 * 65_536 / TAU + 1));
      }
    }
  }

  @Test
  void decayIsCorrectAcrossTheTimestampWrap() {
    // The packed timestamp has 40 bits of 2^16 ns: it wraps every 2^56 ns.
    long justBeforeWrap = (1L << 56) - 65_536;
    stats.recordLatency(justBeforeWrap, 20_000_000, TAU, false, FACTOR, FLOOR);
    long twoSecondsLater = justBeforeWrap + 2_000_000_000L;
    // Within the decay of one 2^16 ns timestamp unit.
    assertThat(stats.latencyEstimate(twoSecondsLater, TAU, true))
        .isCloseTo(20e6 * Math.exp(-0.2), within(20e6 * 65_536 / TAU + 1));
  }

  @Test
  void higherSampleReplacesTheEstimate() {
    stats.recordLatency(0, 10_000_000, TAU, false, FACTOR, FLOOR);
    stats.recordLatency(1_000, 50_000_000, TAU, false, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(1_000, TAU, false)).isCloseTo(50e6, within(50e6 * 0x1p-17));
  }

  @Test
  void lowerSampleIsAveragedInByElapsedTime() {
    stats.recordLatency(0, 50_000_000, TAU, false, FACTOR, FLOOR);
    long t = 4L << 30; // a multiple of the 2^16 ns timestamp unit, about 4.3 s
    stats.recordLatency(t, 10_000_000, TAU, false, FACTOR, FLOOR);
    double w = Math.exp(-t / TAU);
    assertThat(stats.latencyEstimate(t, TAU, false))
        .isCloseTo(50e6 * w + 10e6 * (1 - w), within(50e6 * 0x1p-16));
  }

  @Test
  void lowerSampleAtTheSameInstantChangesNothing() {
    stats.recordLatency(0, 50_000_000, TAU, false, FACTOR, FLOOR);
    stats.recordLatency(0, 1_000_000, TAU, false, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(0, TAU, false)).isCloseTo(50e6, within(50e6 * 0x1p-17));
  }

  @Test
  void failureCountsAsAtLeastFactorTimesEstimateAndAtLeastTheFloor() {
    stats.recordLatency(0, 1_000_000, TAU, true, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(0, TAU, false)).isEqualTo(FLOOR);
    stats.recordLatency(0, 1_000_000, TAU, true, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(0, TAU, false)).isEqualTo(2 * FLOOR);
    stats.recordLatency(0, 90_000_000, TAU, true, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(0, TAU, false)).isCloseTo(90e6, within(90e6 * 0x1p-17));
  }

  @Test
  void negativeSampleCountsAsZero() {
    stats.recordLatency(0, -5, TAU, false, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(0, TAU, false)).isZero();
  }

  @Test
  void hugeEstimateSaturatesInsteadOfOverflowing() {
    stats.recordLatency(0, Long.MAX_VALUE, TAU, false, FACTOR, FLOOR);
    for (int i = 0; i < 200; i++) {
      stats.recordLatency(0, 1, TAU, true, 1e300, FLOOR);
    }
    double e = stats.latencyEstimate(0, TAU, false);
    assertThat(e).isFinite().isGreaterThan(1e36).isLessThanOrEqualTo(1.0001e37);
  }

  @Test
  void estimateStampedJustAfterTheReadersClockIsNotLost() {
    // A picker reads the clock, then a completion on another thread records a sample stamped a
    // little later, then the picker reads the estimate with its (now older) clock reading.
    long pickerNow = 10_000_000_000L;
    stats.recordLatency(pickerNow + 1_000_000, 80_000_000, TAU, false, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(pickerNow, TAU, true)).isCloseTo(80e6, within(80e6 * 0.01));
  }

  @Test
  void outOfOrderLowerSampleDoesNotWipeTheEstimate() {
    // Two completions race: the later-stamped 80 ms sample lands first, then one stamped 1 ms
    // earlier with 1 ms. A lower sample may pull the estimate down by its elapsed-time weight,
    // here about zero, not replace it.
    stats.recordLatency(20_000_000, 80_000_000, TAU, false, FACTOR, FLOOR);
    stats.recordLatency(19_000_000, 1_000_000, TAU, false, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(20_000_000, TAU, false)).isCloseTo(80e6, within(80e6 * 0.01));
  }

  @Test
  void idleGapOfAnyLengthReadsAsLongAgo() {
    long then = 123_456_789_000L;
    stats.recordLatency(then, 1_000_000_000L, TAU, false, FACTOR, FLOOR);
    // Across the old 32-bit timestamp's blind spot (2^47 ns, 39 hours) and the new one's signed
    // range (2^55 ns, 417 days): fully decayed, never back at 1 s.
    for (long gap : new long[] {1L << 47, 3L << 46, 1L << 50, 1L << 55, (1L << 55) + (1L << 53)}) {
      assertThat(stats.latencyEstimate(then + gap, TAU, true)).as("gap %s", gap).isLessThan(1.0);
    }
  }

  @Test
  void sampleAheadOfTheClockWithinADayCountsAsNoTimeElapsed() {
    long now = 10_000_000_000L;
    stats.recordLatency(now + 3_600_000_000_000L, 1_000_000L, TAU, false, FACTOR, FLOOR);
    assertThat(stats.latencyEstimate(now, TAU, true)).isCloseTo(1e6, within(1e6 * 0x1p-17));
  }

  @Test
  void peakCeilingBoundsOneSlowSampleRelativeToTheFleet() {
    stats.recordLatency(0, 1_000_000, TAU, false, FACTOR, FLOOR, 1e6, 3.0);
    // A 100 ms reply on a 1 ms fleet raises the estimate to three times the fleet only.
    stats.recordLatency(1 << 20, 100_000_000, TAU, false, FACTOR, FLOOR, 1e6, 3.0);
    assertThat(stats.latencyEstimate(1 << 20, TAU, false)).isCloseTo(3e6, within(3e6 * 0x1p-16));
    // A failure is not capped.
    stats.recordLatency(1 << 21, 100_000_000, TAU, true, FACTOR, FLOOR, 1e6, 3.0);
    assertThat(stats.latencyEstimate(1 << 21, TAU, false)).isCloseTo(1e8, within(1e8 * 0x1p-16));
  }
}
