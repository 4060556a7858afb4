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

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Passive outlier detection ({@link OutlierDetection}): which outcomes eject a server, for how
 * long, how ejections back off and are forgotten, and how many servers may be out at once. Time is
 * a {@link FakeTicker} and maintenance runs only when a test calls {@code maintain()}.
 */
class OutlierDetectionTest {
  private static final Duration BASE = Duration.ofSeconds(30);

  private final FakeTicker ticker = FakeTicker.awayFromZero();

  private static List<Server> servers(int n) {
    List<Server> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Server.of("s" + i, 80));
    }
    return out;
  }

  private static String id(int i) {
    return "s" + i + ":80";
  }

  /** Only the consecutive-failures rule, with exact (jitter-free) ejection times. */
  private static OutlierDetection.Builder consecutiveOnly(int n) {
    return OutlierDetection.builder()
        .consecutiveFailures(n)
        .consecutiveConnectFailures(0)
        .disableSuccessRate()
        .baseEjectionTime(BASE)
        .jitter(0)
        .maxEjectionPercent(100);
  }

  private LoadBalancer balancer(int n, OutlierDetection detection) {
    return ticker.build(
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(servers(n))
            .outlierDetection(detection));
  }

  /**
   * Picks until the server with this id comes up and reports {@code outcome} for it; picks of the
   * other servers succeed, which does not touch the target's streaks.
   */
  private static void report(LoadBalancer lb, String id, Outcome outcome) {
    for (int i = 0; i < 10_000; i++) {
      Pick p = lb.pick();
      if (p.server().id().equals(id)) {
        p.complete(outcome);
        return;
      }
      p.success();
    }
    throw new AssertionError(id + " was never picked: " + lb.status());
  }

  private static void report(LoadBalancer lb, String id, Outcome outcome, int times) {
    for (int i = 0; i < times; i++) {
      report(lb, id, outcome);
    }
  }

  private static ServerStatus status(LoadBalancer lb, String id) {
    return lb.status(id).orElseThrow();
  }

  private static boolean ejected(LoadBalancer lb, String id) {
    return status(lb, id).isEjected();
  }

  private static Duration remaining(LoadBalancer lb, String id) {
    return status(lb, id).ejectionRemaining().orElseThrow();
  }

  private static Map<String, Integer> countPicks(LoadBalancer lb, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      try (Pick p = lb.pick()) {
        counts.merge(p.server().id(), 1, Integer::sum);
        p.success();
      }
    }
    return counts;
  }

  // ---- consecutive failures ----

  @Test
  void ejectsAtExactlyNConsecutiveFailuresNotBefore() {
    LoadBalancer lb = balancer(3, consecutiveOnly(5).build());
    report(lb, id(0), Outcome.FAILURE, 4);
    assertThat(ejected(lb, id(0))).isFalse();
    assertThat(lb.health(id(0))).contains(HealthState.HEALTHY);

    report(lb, id(0), Outcome.FAILURE);
    assertThat(ejected(lb, id(0))).isTrue();
    assertThat(lb.health(id(0))).contains(HealthState.EJECTED);
    assertThat(status(lb, id(0)).reason()).contains("5 consecutive failures");
    assertThat(ejected(lb, id(1))).isFalse();
    assertThat(ejected(lb, id(2))).isFalse();
  }

  @Test
  void aSuccessInBetweenResetsTheStreak() {
    LoadBalancer lb = balancer(3, consecutiveOnly(5).build());
    report(lb, id(0), Outcome.FAILURE, 4);
    report(lb, id(0), Outcome.SUCCESS);
    report(lb, id(0), Outcome.FAILURE, 4);
    assertThat(ejected(lb, id(0))).isFalse();
    report(lb, id(0), Outcome.FAILURE);
    assertThat(ejected(lb, id(0))).isTrue();
  }

  @Test
  void cancelledOutcomesNeitherCountNorReset() {
    LoadBalancer lb = balancer(3, consecutiveOnly(5).build());
    report(lb, id(0), Outcome.FAILURE, 2);
    report(lb, id(0), Outcome.CANCELLED, 10);
    report(lb, id(0), Outcome.FAILURE, 2);
    assertThat(ejected(lb, id(0))).isFalse();
    report(lb, id(0), Outcome.FAILURE);
    assertThat(ejected(lb, id(0))).isTrue();
  }

  @Test
  void everyFailureKindCountsTowardsConsecutiveFailures() {
    LoadBalancer lb = balancer(3, consecutiveOnly(3).build());
    report(lb, id(0), Outcome.FAILURE);
    report(lb, id(0), Outcome.CONNECT_FAILURE);
    assertThat(ejected(lb, id(0))).isFalse();
    report(lb, id(0), Outcome.TIMEOUT);
    assertThat(ejected(lb, id(0))).isTrue();
    assertThat(status(lb, id(0)).reason()).contains("3 consecutive failures");
  }

  @Test
  void consecutiveConnectFailuresAndTimeoutsEject() {
    OutlierDetection od =
        OutlierDetection.builder()
            .consecutiveFailures(0)
            .consecutiveConnectFailures(3)
            .disableSuccessRate()
            .maxEjectionPercent(100)
            .build();
    LoadBalancer lb = balancer(3, od);
    report(lb, id(0), Outcome.CONNECT_FAILURE);
    report(lb, id(0), Outcome.TIMEOUT);
    assertThat(ejected(lb, id(0))).isFalse();
    report(lb, id(0), Outcome.CONNECT_FAILURE);
    assertThat(ejected(lb, id(0))).isTrue();
    assertThat(status(lb, id(0)).reason()).contains("3 consecutive connect failures or timeouts");

    // Ten plain failures eject nothing with the consecutive-failures rule off.
    report(lb, id(2), Outcome.FAILURE, 10);
    assertThat(ejected(lb, id(2))).isFalse();

    // An answered failure breaks a connect streak (the server is reachable), and so does a
    // success. (The other servers' picks succeed meanwhile; that does not touch s1's streak.)
    report(lb, id(1), Outcome.CONNECT_FAILURE, 2);
    report(lb, id(1), Outcome.FAILURE);
    report(lb, id(1), Outcome.TIMEOUT, 2);
    report(lb, id(1), Outcome.SUCCESS);
    report(lb, id(1), Outcome.CONNECT_FAILURE, 2);
    assertThat(ejected(lb, id(1))).isFalse();
    report(lb, id(1), Outcome.CONNECT_FAILURE);
    assertThat(ejected(lb, id(1))).isTrue();
  }

  @Test
  void zeroTurnsTheConsecutiveRulesOff() {
    OutlierDetection od =
        OutlierDetection.builder()
            .consecutiveFailures(0)
            .consecutiveConnectFailures(0)
            .disableSuccessRate()
            .maxEjectionPercent(100)
            .build();
    LoadBalancer lb = balancer(3, od);
    report(lb, id(0), Outcome.FAILURE, 50);
    report(lb, id(0), Outcome.CONNECT_FAILURE, 50);
    assertThat(ejected(lb, id(0))).isFalse();
  }

  // ---- rate rules ----

  /**
   * Sends {@code perServer} requests to each of the servers (round robin completes them in order)
   * with server i succeeding on its k-th request iff {@code succeeds.apply(i)} says so for k.
   * Failures are spread out (never many in a row), so only the rate rules can see them.
   */
  private static void traffic(
      LoadBalancer lb, int servers, int perServer, IntFunction<FailurePattern> pattern) {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < servers * perServer; i++) {
      Pick p = lb.pick();
      int index = Integer.parseInt(p.server().host().substring(1));
      int k = seen.merge(p.server().id(), 1, Integer::sum);
      p.complete(pattern.apply(index).fails(k) ? Outcome.FAILURE : Outcome.SUCCESS);
    }
  }

  /** Whether the k-th request (from 1) of a server fails. */
  @FunctionalInterface
  private interface FailurePattern {
    boolean fails(int k);

    /** {@code failures} of every 10 requests fail, spread out. */
    static FailurePattern tenths(int failures) {
      return k -> (k * failures) / 10 != ((k - 1) * failures) / 10;
    }
  }

  private static OutlierDetection.Builder rateRulesOnly() {
    return OutlierDetection.builder()
        .consecutiveFailures(0)
        .consecutiveConnectFailures(0)
        .interval(Duration.ofSeconds(10))
        .baseEjectionTime(BASE)
        .jitter(0);
  }

  @Test
  void failurePatternHelperSpreadsFailures() {
    FailurePattern half = FailurePattern.tenths(5);
    int failures = 0;
    int run = 0;
    int longestRun = 0;
    for (int k = 1; k <= 200; k++) {
      if (half.fails(k)) {
        failures++;
        longestRun = Math.max(longestRun, ++run);
      } else {
        run = 0;
      }
    }
    assertThat(failures).isEqualTo(100);
    assertThat(longestRun).isEqualTo(1);
  }

  @Test
  void successRateRuleEjectsTheOutlierOnly() {
    // Five servers at 100 %, 100 %, 100 %, 100 %, 50 %: mean 90 %, population stdev 20 %, so the
    // threshold is 90 - 1.9 x 20 = 52 %, and only the 50 % server is below it.
    LoadBalancer lb = balancer(5, rateRulesOnly().successRate(1.9, 5, 100).build());
    traffic(lb, 5, 200, i -> i == 4 ? FailurePattern.tenths(5) : k -> false);
    assertThat(lb.status()).noneMatch(ServerStatus::isEjected);

    // The rules run when a quarter of the interval has passed (the window slides in quarters).
    ticker.advanceAndMaintain(lb, Duration.ofMillis(2_499));
    assertThat(lb.status()).noneMatch(ServerStatus::isEjected);
    ticker.advanceAndMaintain(lb, Duration.ofMillis(1));
    assertThat(ejected(lb, id(4))).isTrue();
    assertThat(status(lb, id(4)).reason()).contains("success rate 50.0%");
    for (int i = 0; i < 4; i++) {
      assertThat(ejected(lb, id(i))).as(id(i)).isFalse();
    }
  }

  @Test
  void successRateStdevFactorDecides() {
    // With four perfect peers the outlier is always exactly 2 population standard deviations below
    // the mean, whatever its own rate (100, 100, 100, 100, 90 %: mean 98, stdev 4). A factor of
    // 1.9 ejects it; 2.5 does not.
    LoadBalancer strict = balancer(5, rateRulesOnly().successRate(1.9, 5, 100).build());
    traffic(strict, 5, 200, i -> i == 4 ? FailurePattern.tenths(1) : k -> false);
    ticker.advanceAndMaintain(strict, Duration.ofMillis(2_500));
    assertThat(ejected(strict, id(4))).isTrue();
    assertThat(status(strict, id(4)).reason()).contains("success rate 90.0%");

    LoadBalancer lenient = balancer(5, rateRulesOnly().successRate(2.5, 5, 100).build());
    traffic(lenient, 5, 200, i -> i == 4 ? FailurePattern.tenths(1) : k -> false);
    ticker.advanceAndMaintain(lenient, Duration.ofMillis(2_500));
    assertThat(lenient.status()).noneMatch(ServerStatus::isEjected);
  }

  @Test
  void successRateRuleNeedsMinimumHosts() {
    // Four servers, one failing half its requests: the rule needs five hosts with volume.
    LoadBalancer lb = balancer(4, rateRulesOnly().successRate(1.9, 5, 100).build());
    traffic(lb, 4, 200, i -> i == 3 ? FailurePattern.tenths(5) : k -> false);
    for (int q = 0; q < 8; q++) {
      ticker.advanceAndMaintain(lb, Duration.ofMillis(2_500));
    }
    assertThat(lb.status()).noneMatch(ServerStatus::isEjected);
  }

  @Test
  void successRateRuleNeedsRequestVolume() {
    // Five servers, but each had 99 requests in the window: below the volume of 100.
    LoadBalancer lb = balancer(5, rateRulesOnly().successRate(1.9, 5, 100).build());
    traffic(lb, 5, 99, i -> i == 4 ? FailurePattern.tenths(5) : k -> false);
    ticker.advanceAndMaintain(lb, Duration.ofMillis(2_500));
    assertThat(lb.status()).noneMatch(ServerStatus::isEjected);

    // One more request each, still within the window of four quarters, brings them to 100.
    traffic(lb, 5, 1, i -> k -> false);
    ticker.advanceAndMaintain(lb, Duration.ofMillis(2_500));
    assertThat(ejected(lb, id(4))).isTrue();
  }

  @Test
  void windowForgetsOutcomesOlderThanTheInterval() {
    // 99 requests each, then the window slides four quarters: the old requests leave it, so 99
    // more never add up to the volume of 100 - and the bad server is never judged.
    LoadBalancer lb = balancer(5, rateRulesOnly().successRate(1.9, 5, 100).build());
    traffic(lb, 5, 99, i -> i == 4 ? FailurePattern.tenths(5) : k -> false);
    for (int q = 0; q < 4; q++) {
      ticker.advanceAndMaintain(lb, Duration.ofMillis(2_500));
    }
    traffic(lb, 5, 99, i -> i == 4 ? FailurePattern.tenths(5) : k -> false);
    ticker.advanceAndMaintain(lb, Duration.ofMillis(2_500));
    assertThat(lb.status()).noneMatch(ServerStatus::isEjected);
  }

  @Test
  void failurePercentageRuleEjectsAtTheThreshold() {
    OutlierDetection od =
        rateRulesOnly()
            .disableSuccessRate()
            .failurePercentage(50, 5, 50)
            .maxEjectionPercent(100)
            .build();
    LoadBalancer lb = balancer(5, od);
    // s4 fails 60 %, s3 40 %, the rest never: only s4 reaches 50 %. (The cap of 100 % shows that
    // s3 stays because of the threshold, not because of maxEjectionPercent.)
    traffic(
        lb,
        5,
        100,
        i -> i == 4 ? FailurePattern.tenths(6) : i == 3 ? FailurePattern.tenths(4) : k -> false);
    ticker.advanceAndMaintain(lb, Duration.ofMillis(2_500));
    assertThat(ejected(lb, id(4))).isTrue();
    assertThat(status(lb, id(4)).reason()).contains("60.0% failures");
    for (int i = 0; i < 4; i++) {
      assertThat(ejected(lb, id(i))).as(id(i)).isFalse();
    }
  }

  @Test
  void failurePercentageExactlyAtTheThresholdEjects() {
    OutlierDetection od =
        rateRulesOnly()
            .disableSuccessRate()
            .failurePercentage(50, 5, 50)
            .maxEjectionPercent(100)
            .build();
    LoadBalancer lb = balancer(5, od);
    traffic(lb, 5, 100, i -> i == 0 ? FailurePattern.tenths(5) : k -> false);
    ticker.advanceAndMaintain(lb, Duration.ofMillis(2_500));
    assertThat(ejected(lb, id(0))).isTrue();
  }

  @Test
  void failurePercentageNeedsVolumeAndHosts() {
    OutlierDetection od =
        rateRulesOnly()
            .disableSuccessRate()
            .failurePercentage(50, 5, 50)
            .maxEjectionPercent(100)
            .build();
    // 49 requests each: below the volume.
    LoadBalancer low = balancer(5, od);
    traffic(low, 5, 49, i -> FailurePattern.tenths(9));
    ticker.advanceAndMaintain(low, Duration.ofMillis(2_500));
    assertThat(low.status()).noneMatch(ServerStatus::isEjected);
    // Four hosts: below the minimum of five.
    LoadBalancer few = balancer(4, od);
    traffic(few, 4, 100, i -> FailurePattern.tenths(9));
    ticker.advanceAndMaintain(few, Duration.ofMillis(2_500));
    assertThat(few.status()).noneMatch(ServerStatus::isEjected);
  }

  // ---- while ejected, and coming back ----

  @Test
  void ejectedServerGetsNoPicksAndComesBackAfterTheEjectionTime() {
    LoadBalancer lb = balancer(3, consecutiveOnly(5).build());
    report(lb, id(0), Outcome.FAILURE, 5);
    assertThat(remaining(lb, id(0))).isEqualTo(BASE);
    assertThat(lb.eligibleEndpoints()).extracting(e -> e.server().id()).doesNotContain(id(0));
    assertThat(countPicks(lb, 300)).doesNotContainKey(id(0)).containsValues(150, 150);

    ticker.advanceAndMaintain(lb, BASE.minusMillis(1));
    assertThat(ejected(lb, id(0))).isTrue();
    assertThat(remaining(lb, id(0))).isEqualTo(Duration.ofMillis(1));
    assertThat(countPicks(lb, 300)).doesNotContainKey(id(0));

    ticker.advanceAndMaintain(lb, Duration.ofMillis(1));
    assertThat(ejected(lb, id(0))).isFalse();
    assertThat(lb.health(id(0))).contains(HealthState.HEALTHY);
    assertThat(status(lb, id(0)).ejectionRemaining()).isEmpty();
    assertThat(countPicks(lb, 300)).containsEntry(id(0), 100);
  }

  @Test
  void ejectionEndsOnlyWhenMaintenanceRuns() {
    // Time alone does not bring a server back: the transition is maintenance's (never the pick
    // path's). The remaining time shows zero meanwhile.
    LoadBalancer lb = balancer(3, consecutiveOnly(5).build());
    report(lb, id(0), Outcome.FAILURE, 5);
    ticker.advance(BASE.plusSeconds(5));
    assertThat(ejected(lb, id(0))).isTrue();
    assertThat(remaining(lb, id(0))).isEqualTo(Duration.ZERO);
    assertThat(countPicks(lb, 100)).doesNotContainKey(id(0));
    lb.maintain();
    assertThat(ejected(lb, id(0))).isFalse();
  }

  @Test
  void streaksStartOverAfterAnEjection() {
    // The failures that ejected a server do not count again: it needs N new failures.
    LoadBalancer lb = balancer(3, consecutiveOnly(5).build());
    report(lb, id(0), Outcome.FAILURE, 5);
    ticker.advanceAndMaintain(lb, BASE);
    report(lb, id(0), Outcome.FAILURE, 4);
    assertThat(ejected(lb, id(0))).isFalse();
    report(lb, id(0), Outcome.FAILURE);
    assertThat(ejected(lb, id(0))).isTrue();
  }

  // ---- backoff ----

  /** Ejects the server with N failures and returns the length of the ejection it got. */
  private static Duration ejectNow(LoadBalancer lb, String id, int n) {
    report(lb, id, Outcome.FAILURE, n);
    assertThat(ejected(lb, id)).as("%s ejected", id).isTrue();
    // Read at the ejection's own (fake) time: the remaining time is the whole duration.
    return remaining(lb, id);
  }

  @Test
  void secondEjectionLastsTwiceAsLong() {
    // Default interval (10 s): the maintenance run that ends the first ejection is also due to
    // decay ejection counts, and must not count the interval the server spent ejected as clean.
    LoadBalancer lb = balancer(3, consecutiveOnly(5).build());
    assertThat(ejectNow(lb, id(0), 5)).isEqualTo(BASE);
    ticker.advanceAndMaintain(lb, BASE);
    assertThat(ejected(lb, id(0))).isFalse();
    assertThat(status(lb, id(0)).recentEjections()).isEqualTo(1);

    assertThat(ejectNow(lb, id(0), 5)).isEqualTo(BASE.multipliedBy(2));
    assertThat(status(lb, id(0)).recentEjections()).isEqualTo(2);
  }

  @Test
  void secondEjectionLastsTwiceAsLongWhenItFailsSoonAfterComingBack() {
    // The server comes back at an arbitrary moment of the decay cycle and fails again 2 s later:
    // it was never clean for a whole interval, so its ejection count must not have decayed.
    for (long offsetMillis = 0; offsetMillis < 10_000; offsetMillis += 1_250) {
      FakeTicker t = FakeTicker.awayFromZero();
      LoadBalancer lb =
          t.build(
              LoadBalancer.builder()
                  .selector(Selectors.roundRobin())
                  .servers(servers(3))
                  .outlierDetection(consecutiveOnly(5).build()));
      t.advanceAndMaintain(lb, Duration.ofMillis(offsetMillis));
      assertThat(ejectNow(lb, id(0), 5)).isEqualTo(BASE);
      // Maintenance every second, as the balancer's own scheduler would run it.
      for (int s = 0; s < 32; s++) {
        t.advanceAndMaintain(lb, Duration.ofSeconds(1));
      }
      assertThat(ejected(lb, id(0))).isFalse();
      assertThat(ejectNow(lb, id(0), 5))
          .as("offset %d ms", offsetMillis)
          .isEqualTo(BASE.multipliedBy(2));
    }
  }

  @Test
  void backoffGrowsAsBaseTimesTwoToTheNMinusOneWithinJitterAndCapped() {
    Duration base = Duration.ofSeconds(10);
    Duration max = Duration.ofSeconds(100);
    double jitter = 0.2;
    OutlierDetection od =
        consecutiveOnly(5)
            .baseEjectionTime(base)
            .maxEjectionTime(max)
            .jitter(jitter)
            // A long interval: no decay between the ejections of this test.
            .interval(Duration.ofHours(1))
            .build();
    LoadBalancer lb = balancer(3, od);
    // 10, 20, 40, 80 s (+-20 %), then 10 x 2^4 = 160 s, which even at -20 % is above the cap: the
    // 5th and later ejections last exactly the cap.
    for (int n = 1; n <= 7; n++) {
      Duration d = ejectNow(lb, id(0), 5);
      double nominal = (double) base.toMillis() * Math.pow(2, n - 1);
      double cap = (double) max.toMillis();
      double low = Math.min(nominal * (1 - jitter), cap);
      double high = Math.min(nominal * (1 + jitter), cap);
      assertThat((double) d.toMillis()).as("ejection #%d", n).isBetween(low, high);
      assertThat(d).isLessThanOrEqualTo(max);
      assertThat(status(lb, id(0)).recentEjections()).isEqualTo(n);
      ticker.advanceAndMaintain(lb, d);
      assertThat(ejected(lb, id(0))).isFalse();
    }
  }

  @Test
  void withoutJitterTheBackoffIsExactAndCapped() {
    OutlierDetection od =
        consecutiveOnly(5)
            .baseEjectionTime(Duration.ofSeconds(10))
            .maxEjectionTime(Duration.ofSeconds(30))
            .interval(Duration.ofHours(1))
            .build();
    LoadBalancer lb = balancer(3, od);
    List<Long> seconds = new ArrayList<>();
    for (int n = 1; n <= 5; n++) {
      Duration d = ejectNow(lb, id(0), 5);
      seconds.add(d.toSeconds());
      ticker.advanceAndMaintain(lb, d);
    }
    assertThat(seconds).containsExactly(10L, 20L, 30L, 30L, 30L);
  }

  @Test
  void jitterKeepsFirstEjectionsWithinBounds() {
    // Jitter 0.5 on a 30 s base: every first ejection lasts 15..45 s. 200 draws also show the
    // jitter is really applied: all of them above 20 s (or below 40 s) would have probability
    // (5/6)^200, about 1e-16.
    OutlierDetection od =
        consecutiveOnly(5).jitter(0.5).maxEjectionTime(Duration.ofMinutes(5)).build();
    LoadBalancer lb = balancer(3, od);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 200; i++) {
      assertThat(status(lb, id(0)).recentEjections()).isZero();
      Duration d = ejectNow(lb, id(0), 5);
      assertThat(d).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(45));
      min = Math.min(min, d.toMillis());
      max = Math.max(max, d.toMillis());
      ticker.advanceAndMaintain(lb, d);
      assertThat(ejected(lb, id(0))).isFalse();
      // Clean intervals forget the ejection before the next round.
      for (int k = 0; k < 3 && status(lb, id(0)).recentEjections() > 0; k++) {
        ticker.advanceAndMaintain(lb, od.interval());
      }
    }
    assertThat(min).isLessThan(20_000);
    assertThat(max).isGreaterThan(40_000);
  }

  @Test
  void ejectionCountDecaysOneStepPerCleanInterval() {
    OutlierDetection od = consecutiveOnly(5).interval(Duration.ofSeconds(10)).build();
    LoadBalancer lb = balancer(3, od);
    Duration first = ejectNow(lb, id(0), 5);
    ticker.advanceAndMaintain(lb, first);
    Duration second = ejectNow(lb, id(0), 5);
    assertThat(second).isEqualTo(BASE.multipliedBy(2));
    ticker.advanceAndMaintain(lb, second);
    assertThat(status(lb, id(0)).recentEjections()).isEqualTo(2);

    // While ejected nothing decays; after each clean interval one ejection is forgotten.
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(10));
    assertThat(status(lb, id(0)).recentEjections()).isEqualTo(1);
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(10));
    assertThat(status(lb, id(0)).recentEjections()).isZero();
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(10));
    assertThat(status(lb, id(0)).recentEjections()).isZero();

    // Forgotten ejections no longer lengthen the next one.
    assertThat(ejectNow(lb, id(0), 5)).isEqualTo(BASE);
  }

  @Test
  void ejectionCountDoesNotDecayWhileEjected() {
    OutlierDetection od = consecutiveOnly(5).interval(Duration.ofSeconds(1)).build();
    LoadBalancer lb = balancer(3, od);
    ejectNow(lb, id(0), 5);
    for (int s = 0; s < 29; s++) {
      ticker.advanceAndMaintain(lb, Duration.ofSeconds(1));
      assertThat(status(lb, id(0)).recentEjections()).isEqualTo(1);
    }
  }

  // ---- how many at once ----

  @Test
  void maxEjectionPercentLimitsSimultaneousEjections() {
    // 10 servers, 20 %: two may be out at once; the third failing server stays in.
    LoadBalancer lb = balancer(10, consecutiveOnly(5).maxEjectionPercent(20).build());
    report(lb, id(0), Outcome.FAILURE, 5);
    report(lb, id(1), Outcome.FAILURE, 5);
    report(lb, id(2), Outcome.FAILURE, 5);
    assertThat(ejected(lb, id(0))).isTrue();
    assertThat(ejected(lb, id(1))).isTrue();
    assertThat(ejected(lb, id(2))).isFalse();
    assertThat(lb.status().stream().filter(ServerStatus::isEjected)).hasSize(2);
    assertThat(countPicks(lb, 800)).hasSize(8).containsEntry(id(2), 100);

    // Once one comes back, the third is ejected after a new streak.
    ticker.advanceAndMaintain(lb, BASE);
    report(lb, id(2), Outcome.FAILURE, 5);
    assertThat(ejected(lb, id(2))).isTrue();
  }

  @Test
  void atLeastOneServerMayAlwaysBeEjected() {
    // 3 servers at 10 % is 0.3 of a server: rounded down, but one is always allowed.
    LoadBalancer lb = balancer(3, consecutiveOnly(5).maxEjectionPercent(10).build());
    report(lb, id(0), Outcome.FAILURE, 5);
    report(lb, id(1), Outcome.FAILURE, 5);
    assertThat(ejected(lb, id(0))).isTrue();
    assertThat(ejected(lb, id(1))).isFalse();
  }

  @Test
  void maxEjectionPercentZeroNeverEjects() {
    LoadBalancer lb = balancer(3, consecutiveOnly(5).maxEjectionPercent(0).build());
    report(lb, id(0), Outcome.FAILURE, 20);
    assertThat(ejected(lb, id(0))).isFalse();
  }

  @Test
  void defaultsMatchEnvoy() {
    OutlierDetection od = OutlierDetection.defaults();
    assertThat(od.consecutiveFailures).isEqualTo(5);
    assertThat(od.consecutiveConnectFailures).isEqualTo(5);
    assertThat(od.successRateStdevFactor).isCloseTo(1.9, within(1e-12));
    assertThat(od.successRateMinimumHosts).isEqualTo(5);
    assertThat(od.successRateRequestVolume).isEqualTo(100);
    assertThat(od.failurePercentageThreshold).isZero();
    assertThat(od.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(od.baseEjectionNanos).isEqualTo(BASE.toNanos());
    assertThat(od.maxEjectionNanos).isEqualTo(Duration.ofMinutes(5).toNanos());
    assertThat(od.maxEjectionPercent).isEqualTo(10);
  }

  @Test
  void ejectionTimesDoubleAreCappedAndJitterFromTheGivenGenerator() {
    OutlierDetection exact =
        OutlierDetection.builder()
            .baseEjectionTime(Duration.ofSeconds(30))
            .maxEjectionTime(Duration.ofSeconds(300))
            .jitter(0)
            .build();
    SplittableRandom unused = new SplittableRandom(1);
    assertThat(exact.ejectionNanos(1, unused)).isEqualTo(Duration.ofSeconds(30).toNanos());
    assertThat(exact.ejectionNanos(2, unused)).isEqualTo(Duration.ofSeconds(60).toNanos());
    assertThat(exact.ejectionNanos(3, unused)).isEqualTo(Duration.ofMinutes(2).toNanos());
    assertThat(exact.ejectionNanos(9, unused)).isEqualTo(Duration.ofMinutes(5).toNanos());

    OutlierDetection jittered =
        OutlierDetection.builder().baseEjectionTime(Duration.ofSeconds(30)).jitter(0.1).build();
    SplittableRandom a = new SplittableRandom(7);
    SplittableRandom b = new SplittableRandom(7);
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 1_000; i++) {
      long nanos = jittered.ejectionNanos(1, a);
      // The same seed, the same ejection times: a seeded balancer replays its ejections.
      assertThat(jittered.ejectionNanos(1, b)).isEqualTo(nanos);
      min = Math.min(min, nanos);
      max = Math.max(max, nanos);
    }
    // Within 30 s +- 10%, and really spread over that range (1,000 uniform draws come within 1%
    // of each end with probability 1 - 2 x 0.99^1000, about 1 - 10^-4).
    assertThat(min).isGreaterThanOrEqualTo(Duration.ofSeconds(27).toNanos());
    assertThat(max).isLessThanOrEqualTo(Duration.ofSeconds(33).toNanos());
    assertThat(min).isLessThan(Duration.ofMillis(27_600).toNanos());
    assertThat(max).isGreaterThan(Duration.ofMillis(32_400).toNanos());
  }
}
