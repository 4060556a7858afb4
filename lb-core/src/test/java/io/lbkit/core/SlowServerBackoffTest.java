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

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The back-off word of least response time: each sample counted once, levels and their bounds. */
class SlowServerBackoffTest {

  /** A latency word as ServerStats packs it: estimate bits above a 40-bit timestamp. */
  private static long word(int estimateBits, long stamp) {
    return ((long) estimateBits << 40) | stamp;
  }

  @Test
  void eachSlowSampleRaisesTheLevelOnceUpToTheTop() {
    SlowServerBackoff b = new SlowServerBackoff();
    for (int i = 1; i <= SlowServerBackoff.MAX_LEVEL + 3; i++) {
      long w = word(0x4000 + i, 1000 + i);
      b.observe(b.read(), w, true);
      // The same sample seen again, by this or another picker, counts nothing more.
      b.observe(b.read(), w, true);
      assertThat(SlowServerBackoff.level(b.read()))
          .isEqualTo(Math.min(i, SlowServerBackoff.MAX_LEVEL));
    }
    assertThat(SlowServerBackoff.decayMultiplier(b.read()))
        .isEqualTo(1 << (SlowServerBackoff.MAX_LEVEL - SlowServerBackoff.FREE_LEVELS));
  }

  @Test
  void theFirstSlowSamplesChangeNothingThenEachDoublesTheDecay() {
    SlowServerBackoff b = new SlowServerBackoff();
    List<Integer> multipliers = new ArrayList<>();
    for (int i = 1; i <= SlowServerBackoff.MAX_LEVEL; i++) {
      long state = b.observe(b.read(), word(7, i), true);
      multipliers.add(SlowServerBackoff.decayMultiplier(state));
      // The rate factor that the pick path multiplies by is the multiplier's exact reciprocal.
      assertThat(
              SlowServerBackoff.decayRateFactor(state) * SlowServerBackoff.decayMultiplier(state))
          .isEqualTo(1.0);
    }
    List<Integer> expected = new ArrayList<>();
    for (int level = 1; level <= SlowServerBackoff.MAX_LEVEL; level++) {
      expected.add(
          level <= SlowServerBackoff.FREE_LEVELS
              ? 1
              : 1 << (level - SlowServerBackoff.FREE_LEVELS));
    }
    assertThat(multipliers).isEqualTo(expected).startsWith(1, 1, 1, 2, 4);
  }

  @Test
  void normalSamplesLowerTheLevelTwoStepsAndWriteNothingAtZero() {
    SlowServerBackoff b = new SlowServerBackoff();
    b.observe(b.read(), word(9, 1), true);
    b.observe(b.read(), word(9, 2), true);
    b.observe(b.read(), word(9, 3), true);
    assertThat(SlowServerBackoff.level(b.read())).isEqualTo(3);
    b.observe(b.read(), word(3, 4), false);
    assertThat(SlowServerBackoff.level(b.read())).isEqualTo(1);
    b.observe(b.read(), word(3, 5), false);
    assertThat(SlowServerBackoff.level(b.read())).isZero();
    long atZero = b.read();
    b.observe(atZero, word(3, 6), false);
    assertThat(b.read()).isEqualTo(atZero);
    // An older sample seen late (a picker that read the latency word before the last count) is
    // not counted after a newer one.
    b.observe(b.read(), word(9, 2), true);
    assertThat(b.read()).isEqualTo(atZero);
  }

  @Test
  void aStaleStateReadIsRetriedAndCountsTheSampleOnce() {
    SlowServerBackoff b = new SlowServerBackoff();
    long stale = b.read();
    long w = word(11, 42);
    b.observe(stale, w, true);
    // A second picker that read the state before the first one's write.
    b.observe(stale, w, true);
    assertThat(SlowServerBackoff.level(b.read())).isEqualTo(1);
  }

  /**
   * Real threads observe the same stream of samples (each one published to all of them, as a
   * server's latency word is), racing on every one. Invariant: each sample is counted exactly once,
   * so after each the level is exactly what one sequential observer would have: never a sample
   * counted twice (a level too high) or lost (too low).
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void racingPickersCountEachSampleExactlyOnce() throws Exception {
    SlowServerBackoff b = new SlowServerBackoff();
    int threads = 4;
    int samples = 20_000;
    // The current sample: its word, and whether it is slow (bit 0 of the estimate bits).
    AtomicReference<long[]> current = new AtomicReference<>(new long[] {0, 0});
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> pickers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  while (!done.get()) {
                    long[] s = requireNonNull(current.get());
                    if (s[0] != 0) {
                      b.observe(b.read(), s[0], s[1] == 1);
                    }
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              });
      pickers.add(thread);
      thread.start();
    }
    SlowServerBackoff sequential = new SlowServerBackoff();
    long seed = 12345;
    try {
      for (int i = 1; i <= samples && failure.get() == null; i++) {
        seed = seed * 6364136223846793005L + 1442695040888963407L;
        boolean slow = (seed >>> 61) < 5; // 5 in 8 slow: levels go up and down
        long w = word((int) (seed >>> 40) & 0xFFFF, i);
        sequential.observe(sequential.read(), w, slow);
        current.set(new long[] {w, slow ? 1 : 0});
        // Wait until some picker counted it (or, at level 0 and normal, decided there was nothing
        // to count), then compare with the sequential observer.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (SlowServerBackoff.level(b.read()) != SlowServerBackoff.level(sequential.read())) {
          assertThat(System.nanoTime()).as("sample %d never counted", i).isLessThan(deadline);
          Thread.onSpinWait();
        }
        // Once counted, later observations of the same sample change nothing.
        b.observe(b.read(), w, slow);
        assertThat(SlowServerBackoff.level(b.read()))
            .as("level after sample %d", i)
            .isEqualTo(SlowServerBackoff.level(sequential.read()));
      }
    } finally {
      done.set(true);
      for (Thread thread : pickers) {
        thread.join();
      }
    }
    assertThat(failure.get()).isNull();
  }

  /** Two endpoints of one balancer, for the fleet tests. */
  private static Endpoint[] endpoints(int n) {
    Accounting accounting =
        new Accounting(
            new FakeTicker(),
            true,
            true,
            java.time.Duration.ofMinutes(5).toNanos(),
            LatencyModel.DEFAULT,
            null);
    Endpoint[] out = new Endpoint[n];
    for (int i = 0; i < n; i++) {
      out[i] = new Endpoint(Server.of("10.0.0." + i, 80), 1.0, new ServerStats(), accounting);
    }
    return out;
  }

  @Test
  void theFleetCountsEachServerWithALevelOnceAndForgetsItWhenItRecovers() {
    SlowServerBackoff.Fleet fleet = new SlowServerBackoff.Fleet();
    Endpoint[] endpoints = endpoints(2);
    SlowServerBackoff[] backoff = fleet.of(endpoints);
    assertThat(fleet.anyLevel()).isFalse();
    // Normal samples of servers without a level change nothing.
    backoff[0].observe(backoff[0].read(), word(0x3000, 1), false);
    assertThat(fleet.leveled()).isZero();
    // Two slow samples of one server: counted once, at its first level.
    backoff[0].observe(backoff[0].read(), word(0x4000, 2), true);
    backoff[0].observe(backoff[0].read(), word(0x4000, 3), true);
    assertThat(fleet.leveled()).isEqualTo(1);
    assertThat(fleet.anyLevel()).isTrue();
    backoff[1].observe(backoff[1].read(), word(0x4000, 4), true);
    assertThat(fleet.leveled()).isEqualTo(2);
    // The same back-offs come back for the same statistics in the next snapshot.
    assertThat(fleet.of(endpoints)).containsExactly(backoff);
    // Normal samples take the levels back to zero (two levels each), and the count with them.
    backoff[0].observe(backoff[0].read(), word(0x3000, 5), false);
    assertThat(fleet.leveled()).isEqualTo(1);
    backoff[1].observe(backoff[1].read(), word(0x3000, 6), false);
    assertThat(fleet.leveled()).isZero();
    assertThat(fleet.anyLevel()).isFalse();
  }

  @Test
  void aServerThatLeavesWithALevelComesBackWithoutOneAndTheCountNeverUnderstates() {
    SlowServerBackoff.Fleet fleet = new SlowServerBackoff.Fleet();
    Endpoint[] both = endpoints(2);
    SlowServerBackoff[] backoff = fleet.of(both);
    backoff[1].observe(backoff[1].read(), word(0x4000, 1), true);
    SlowServerBackoff[] one = fleet.of(new Endpoint[] {both[0]});
    assertThat(one).containsExactly(backoff[0]);
    // A picker of the older snapshot may still move the departed back-off: the count follows it.
    backoff[1].observe(backoff[1].read(), word(0x4000, 2), true);
    assertThat(fleet.leveled()).isEqualTo(1);
    SlowServerBackoff[] again = fleet.of(both);
    assertThat(again[1]).isNotSameAs(backoff[1]);
    assertThat(SlowServerBackoff.level(again[1].read())).isZero();
    // The departed one still counts (a count too high only costs reads); it never goes below the
    // servers that have a level.
    again[1].observe(again[1].read(), word(0x4000, 3), true);
    assertThat(fleet.leveled()).isEqualTo(2);
  }
}
