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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@link Pick} handle: exactly-once completion, in-flight release, latency and leak expiry. */
class PickTest {
  private static final Server A = Server.of("a", 80);
  private static final long MS = 1_000_000L;

  private final FakeTicker ticker = new FakeTicker(1_000_000 * MS);

  private LoadBalancer single(Selector selector) {
    return LoadBalancer.builder().selector(selector).ticker(ticker).servers(A).build();
  }

  private static Endpoint only(LoadBalancer lb) {
    assertThat(lb.eligibleEndpoints()).hasSize(1);
    return lb.eligibleEndpoints().get(0);
  }

  @Test
  void pickNamesTheServerAndIsOpenUntilCompleted() {
    LoadBalancer lb = single(Selectors.leastConnections());
    Pick p = lb.pick();
    assertThat(p.server()).isEqualTo(A);
    assertThat(p.isCompleted()).isFalse();
    assertThat(p.toString()).contains("a:80").doesNotContain("completed");
    p.success();
    assertThat(p.isCompleted()).isTrue();
    assertThat(p.toString()).contains("completed");
  }

  @Test
  void onlyTheFirstCompletionCounts() {
    LoadBalancer lb = single(Selectors.leastConnections());
    Endpoint a = only(lb);
    Pick first = lb.pick();
    Pick second = lb.pick();
    assertThat(a.inFlight()).isEqualTo(2);

    assertThat(first.complete(Outcome.SUCCESS)).isTrue();
    assertThat(a.inFlight()).isEqualTo(1);

    // Repeated reports of the same pick must not release the other pick's slot.
    assertThat(first.complete(Outcome.FAILURE)).isFalse();
    assertThat(first.complete(Outcome.SUCCESS, 5 * MS)).isFalse();
    first.success();
    first.failure();
    first.close();
    assertThat(a.inFlight()).isEqualTo(1);
    assertThat(first.isCompleted()).isTrue();

    second.close();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void secondCompletionRecordsNoLatency() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);
    Pick p = lb.pick();
    assertThat(p.complete(Outcome.SUCCESS, 2 * MS)).isTrue();
    double after = a.latencyEstimateNanos();
    assertThat(after).isCloseTo(2 * MS, within(1.0));

    assertThat(p.complete(Outcome.SUCCESS, 500 * MS)).isFalse();
    assertThat(p.complete(Outcome.FAILURE, 500 * MS)).isFalse();
    assertThat(a.latencyEstimateNanos()).isEqualTo(after);
  }

  @Test
  void closeAfterSuccessIsHarmless() {
    LoadBalancer lb = single(Selectors.leastConnections());
    Endpoint a = only(lb);
    Pick other = lb.pick();
    try (Pick p = lb.pick()) {
      assertThat(a.inFlight()).isEqualTo(2);
      p.success();
      assertThat(a.inFlight()).isEqualTo(1);
    }
    assertThat(a.inFlight()).isEqualTo(1);
    other.close();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void closeAloneReleasesTheSlot() {
    LoadBalancer lb = single(Selectors.leastConnections());
    Endpoint a = only(lb);
    try (Pick p = lb.pick()) {
      assertThat(p.server()).isEqualTo(A);
      assertThat(a.inFlight()).isEqualTo(1);
    }
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void closeAloneRecordsNoLatency() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);
    Pick p = lb.pick();
    ticker.advance(Duration.ofSeconds(3));
    p.close();
    assertThat(p.isCompleted()).isTrue();
    assertThat(a.latencyEstimateNanos()).isZero();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void cancelledRecordsNoLatencyButReleasesTheSlot() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);
    Pick measured = lb.pick();
    ticker.advance(Duration.ofMillis(4));
    measured.success();
    assertThat(a.latencyEstimateNanos()).isCloseTo(4 * MS, within(1.0));

    Pick cancelled = lb.pick();
    ticker.advance(Duration.ofSeconds(2));
    assertThat(a.inFlight()).isEqualTo(1);
    assertThat(cancelled.complete(Outcome.CANCELLED)).isTrue();
    assertThat(a.inFlight()).isZero();
    // Only the idle decay of the 4 ms sample over 2 s, nothing of the 2 s that was cancelled.
    assertThat(a.latencyEstimateNanos())
        .isCloseTo(4 * MS * Math.exp(-2.0 / 10.0), within(0.01 * 4 * MS));
  }

  @Test
  void measuredLatencyRunsFromPickToCompletion() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);
    Pick p = lb.pick();
    ticker.advance(Duration.ofMillis(37));
    p.success();
    // The estimate is packed with a 16-bit mantissa: a relative precision of 1.5e-5.
    assertThat(a.latencyEstimateNanos()).isCloseTo(37 * MS, within(37 * MS * 2e-5));
  }

  @Test
  void completeWithLatencyUsesTheGivenLatency() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);

    // The caller measured 5 ms with its own clock; the balancer's ticker has not moved.
    Pick p = lb.pick();
    assertThat(p.complete(Outcome.SUCCESS, 5 * MS)).isTrue();
    assertThat(a.latencyEstimateNanos()).isCloseTo(5 * MS, within(0.01 * 5 * MS));
  }

  @Test
  void completeWithLatencyIgnoresTheTickerElapsedTime() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);

    Pick p = lb.pick();
    ticker.advance(Duration.ofSeconds(1));
    assertThat(p.complete(Outcome.SUCCESS, 5 * MS)).isTrue();
    // 5 ms, not the ticker's 1 s (allowing at most the decay of 5 ms over that 1 s).
    assertThat(a.latencyEstimateNanos()).isBetween(5 * MS * Math.exp(-0.1) * 0.99, 5.0 * MS);
  }

  @Test
  void negativeGivenLatencyCountsAsZero() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);
    Pick p = lb.pick();
    assertThat(p.complete(Outcome.SUCCESS, -5 * MS)).isTrue();
    assertThat(a.latencyEstimateNanos()).isZero();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  @SuppressWarnings("NullAway") // deliberately passing null
  void nullOutcomeIsRejectedAndDoesNotComplete() {
    LoadBalancer lb = single(Selectors.leastConnections());
    Pick p = lb.pick();
    assertThatThrownBy(() -> p.complete(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> p.complete(null, 1)).isInstanceOf(NullPointerException.class);
    assertThat(p.isCompleted()).isFalse();
    assertThat(p.complete(Outcome.SUCCESS)).isTrue();
  }

  @Test
  void selectorsThatNeedNoStatsStillHonourExactlyOnce() {
    LoadBalancer lb = single(Selectors.roundRobin());
    Pick p = lb.pick();
    assertThat(p.complete(Outcome.SUCCESS)).isTrue();
    assertThat(p.complete(Outcome.SUCCESS)).isFalse();
    // Round robin neither counts nor times: the statistics stay empty.
    assertThat(only(lb).inFlight()).isZero();
    assertThat(only(lb).latencyEstimateNanos()).isZero();
  }

  // ---- leaked picks ----

  @Test
  void leakedPickStopsCountingAfterTheExpiry() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(ticker)
            .inFlightExpiry(Duration.ofSeconds(1))
            .servers(A)
            .build();
    Endpoint a = only(lb);
    Pick leaked = lb.pick();
    assertThat(a.inFlight()).isEqualTo(1);

    ticker.advance(Duration.ofMillis(500));
    assertThat(a.inFlight()).isEqualTo(1);

    ticker.advance(Duration.ofMillis(1600)); // 2.1 s after the pick
    assertThat(a.inFlight()).isZero();

    // Completing it late neither drives the count negative nor frees a newer pick's slot.
    Pick fresh = lb.pick();
    assertThat(a.inFlight()).isEqualTo(1);
    assertThat(leaked.complete(Outcome.SUCCESS)).isTrue();
    assertThat(a.inFlight()).isEqualTo(1);
    fresh.success();
    assertThat(a.inFlight()).isZero();
    Pick another = lb.pick();
    assertThat(a.inFlight()).isEqualTo(1);
    another.close();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void leakedPickCompletedAfterExpiryWithNoNewPicksLeavesZero() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(ticker)
            .inFlightExpiry(Duration.ofSeconds(1))
            .servers(A)
            .build();
    Endpoint a = only(lb);
    Pick leaked = lb.pick();
    ticker.advance(Duration.ofSeconds(5));
    assertThat(a.inFlight()).isZero();
    leaked.close();
    assertThat(a.inFlight()).isZero();
    ticker.advance(Duration.ofSeconds(5));
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void leakedPickCountsForAtLeastOneExpiryAndAtMostTwo() {
    // Epochs are expiry-long and a pick counts in its own epoch and the next one, so, wherever in
    // its epoch it was made, a leaked pick still counts just under one expiry later and no longer
    // counts just over two expiries later. (Epoch boundaries may be computed to within a few
    // nanoseconds, hence the microsecond margins.)
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(ticker)
            .inFlightExpiry(Duration.ofSeconds(1))
            .servers(A)
            .build();
    Endpoint a = only(lb);
    long second = Duration.ofSeconds(1).toNanos();
    long micro = 1_000;
    long base = 1_000 * second;
    long[] phases = {0, micro, second / 2, second - micro, second - 1};
    for (int i = 0; i < phases.length; i++) {
      long pickedAt = base + 10L * i * second + phases[i];
      ticker.set(pickedAt);
      lb.pick();
      ticker.set(pickedAt + second - micro);
      assertThat(a.inFlight()).as("phase %s, just under one expiry", phases[i]).isEqualTo(1);
      ticker.set(pickedAt + 2 * second + micro);
      assertThat(a.inFlight()).as("phase %s, just over two expiries", phases[i]).isZero();
    }
  }

  @Test
  void leakedPickMadeLateInItsEpochExpiresAfterAboutOneExpiry() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(ticker)
            .inFlightExpiry(Duration.ofSeconds(1))
            .servers(A)
            .build();
    Endpoint a = only(lb);
    long second = Duration.ofSeconds(1).toNanos();
    ticker.set(1_000 * second - 1_000); // a microsecond before an epoch ends
    lb.pick();
    ticker.advance(Duration.ofMillis(1_001)); // now in the epoch after the next
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void inFlightIsCountedWhenTheTickerReadsNegativeTimes() {
    // Ticker.read() has an arbitrary origin; nothing promises non-negative readings.
    FakeTicker negative = new FakeTicker(-Duration.ofHours(1).toNanos());
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(negative)
            .servers(A)
            .build();
    Endpoint a = only(lb);
    Pick p = lb.pick();
    assertThat(a.inFlight()).isEqualTo(1);
    p.success();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void responseStartedTakesTheLatencySampleAndKeepsTheRequestInFlight() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);
    Pick p = lb.pick();
    ticker.advance(Duration.ofMillis(5));
    assertThat(p.responseStarted()).isTrue();
    assertThat(p.responseStarted()).as("only the first call counts").isFalse();
    // The body streams for two seconds: still in flight, and the estimate is the 5 ms to headers.
    ticker.advance(Duration.ofSeconds(2));
    assertThat(a.inFlight()).isEqualTo(1);
    assertThat(p.isCompleted()).isFalse();
    assertThat(p.complete(Outcome.SUCCESS)).isTrue();
    assertThat(a.inFlight()).isZero();
    // The 5 ms sample (idle decay since then may lower it), nowhere near the 2 s of the stream.
    assertThat(lb.status("a:80").orElseThrow().latencyEstimateNanos())
        .isBetween(1.0 * MS, 5.0 * MS);
  }

  @Test
  void aFailureAfterResponseStartedStillCountsAsAFailure() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);
    Pick p = lb.pick();
    ticker.advance(Duration.ofMillis(5));
    p.responseStarted();
    ticker.advance(Duration.ofMillis(1));
    p.complete(Outcome.FAILURE);
    // The failure penalty: at least the failure floor (10 ms by default) and twice the estimate.
    assertThat(a.latencyEstimateNanos()).isGreaterThanOrEqualTo(10 * MS);
  }

  @Test
  void responseStartedAfterCompletionChangesNothing() {
    LoadBalancer lb = single(Selectors.leastResponseTime());
    Endpoint a = only(lb);
    Pick p = lb.pick();
    ticker.advance(Duration.ofMillis(3));
    p.success();
    ticker.advance(Duration.ofMillis(500));
    assertThat(p.responseStarted()).isFalse();
    assertThat(p.responseStarted(Long.MAX_VALUE)).isFalse();
    assertThat(a.latencyEstimateNanos()).isCloseTo(3 * MS, within(0.5 * MS));
    assertThat(p.isCompleted()).isTrue();
  }

  @Test
  void closeAfterResponseStartedReleasesTheSlot() {
    LoadBalancer lb = single(Selectors.leastConnections());
    Endpoint a = only(lb);
    Pick p = lb.pick();
    p.responseStarted();
    assertThat(p.isCompleted()).isFalse();
    p.close();
    assertThat(p.isCompleted()).isTrue();
    assertThat(a.inFlight()).isZero();
  }
}
