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
package io.lbkit.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each named scenario's headline behaviour, in shortened runs. */
class ScenariosTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void everyNameResolvesToAScenarioOfThatName() {
    for (String name :
        ImmutableList.<String>builder()
            .addAll(ScenarioSets.names())
            .addAll(ScenarioSets.longNames())
            .build()) {
      assertThat(ScenarioSets.byName(name)).as(name).isPresent();
      assertThat(ScenarioSets.byName(name).orElseThrow().name()).isEqualTo(name);
      assertThat(ScenarioSets.byName(name.toLowerCase(Locale.ROOT))).isPresent();
    }
    assertThat(ScenarioSets.names())
        .contains("S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7")
        .doesNotContainAnyElementsOf(ScenarioSets.longNames());
    assertThat(ScenarioSets.longNames()).hasSize(10 + 9 + 1 + 3);
    assertThat(ScenarioSets.byName("S11")).isEmpty();
  }

  @Test
  void withRequestsScalesEveryTimeButNotThePeriods() {
    Scenario half = Scenarios.s5().withRequests(Scenarios.s5().requests() / 2);

    assertThat(half.loadSteps().get(1).fromNanos()).isEqualTo(Math.round(2.5 * SECOND));
    assertThat(half.fluctuations()).isEqualTo(Scenarios.s5().fluctuations());
    Scenario s6d = Scenarios.s6d().withRequests(15_000);
    assertThat(s6d.joins().get(0).atNanos()).isEqualTo(5 * SECOND);
    Scenario s6c = Scenarios.s6c().withRequests(15_000);
    assertThat(s6c.freezes().get(0).toNanos()).isEqualTo(Math.round(6.5 * SECOND));
    // "Until the end" stays the end.
    assertThat(Scenarios.s6().withRequests(15_000).errorBursts().get(0).toNanos())
        .isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void overlappingFreezesAndEarlierLoadStepsAreRejected() {
    assertThatThrownBy(
            () ->
                Scenario.builder("x", "x")
                    .servers(2)
                    .freeze(new Freeze(0, 0, 10))
                    .freeze(new Freeze(0, 5, 20))
                    .build())
        .hasMessageContaining("overlap");
    assertThatThrownBy(
            () ->
                Scenario.builder("x", "x")
                    .loadStep(new LoadStep(10, 1))
                    .loadStep(new LoadStep(5, 2))
                    .build())
        .hasMessageContaining("increasing");
  }

  @Test
  @Timeout(20)
  void s0RoundRobinSpreadsExactlyAndPowerOfTwoFarBetterThanRandom() {
    // 200,000 picks over 100 servers, 2,000 each: random's counts are binomial, relative standard
    // deviation sqrt(99/200,000) = 2.2%; round robin's differ by at most one (0.05%). Power of two
    // choices balances queues, not counts (a server's count follows its random service times), so
    // its spread also falls as 1/sqrt(picks), but below random's: 0.72 of it here and at the full
    // million picks (0.78% against 1.08%, within the 1% goal).
    Scenario s0 = Scenarios.s0().withRequests(200_000);

    assertThat(Simulation.run(s0, "round_robin", 1).pickRsd()).isLessThan(0.001);
    double random = Simulation.run(s0, "random", 1).pickRsd();
    assertThat(random).isBetween(0.018, 0.027);
    assertThat(Simulation.run(s0, "power_of_two_choices", 1).pickRsd()).isLessThan(0.9 * random);
  }

  @Test
  @Timeout(20)
  void s10ServerHoldingLongStreamsKeepsItsShareUnderLeastResponseTimeOnly() {
    // Half length (10 s). Server 0 holds about seven 2 s streams at any time: least connections
    // counts them as load and sends it almost nothing; least response time counts only requests
    // awaiting their first response, and gives it its third.
    Scenario s10 = RecoveryScenarios.s10().withRequests(2_000);
    Result lrt = Simulation.run(s10, "least_response_time", 1);
    Result lc = Simulation.run(s10, "least_connections", 1);

    double fair = 1.0 / 3;
    assertThat(RecoveryGoals.share(lrt, 2 * SECOND, Long.MAX_VALUE))
        .isBetween(0.8 * fair, 1.2 * fair);
    assertThat(RecoveryGoals.share(lc, 2 * SECOND, Long.MAX_VALUE)).isLessThan(0.1);
    assertThat(lrt.timeouts() + lrt.errors()).isZero();
  }

  @Test
  @Timeout(20)
  void s2LatencyAwareBalancingAvoidsBothSlowServers() {
    // Shortened to a third (15 s): server 0 slow for the first 3.3 s, server 1 from 5 s on. Round
    // robin sends each its tenth, more than they can serve, so their queues grow until requests
    // time out; least response time moves traffic away and times nothing out.
    Scenario s2 = Scenarios.s2().withRequests(18_750);
    Result rr = Simulation.run(s2, "round_robin", 1);
    Result lrt = Simulation.run(s2, "least_response_time", 1);

    assertThat(rr.timeouts()).isPositive();
    assertThat(lrt.timeouts()).isZero();
    assertThat(lrt.shares().get(1)).isLessThan(0.5 * rr.shares().get(1));
    assertThat(lrt.pickRsd()).isGreaterThan(rr.pickRsd());
  }

  @Test
  @Timeout(20)
  void s5WeightedRoundRobinTimesOutUnderOverloadWhereLoadAwarePoliciesDoNot() {
    // Half length: steps of 2.5 s. Weighted round robin gives the antagonised servers (a third of
    // the speed) their full share; from 1.03x on that is more than they can serve, so requests
    // wait past the deadline. Least connections sees the queues build up and shifts load while the
    // fleet as a whole still has room (true utilisation at most 0.93).
    Scenario s5 = Scenarios.s5().withRequests(Scenarios.s5().requests() / 2);
    Result wrr = Simulation.run(s5, "weighted_round_robin", 1);
    Result lc = Simulation.run(s5, "least_connections", 1);

    assertThat(wrr.timeoutRate()).isGreaterThan(0.001);
    assertThat(lc.timeouts() + lc.errors()).isLessThan(lc.requests() / 1000);
    // Nothing times out at 0.75x, the first step (the first tenth of the timeline is inside it).
    for (Slice slice : wrr.timeline().subList(0, 6)) {
      assertThat(slice.timeouts()).isZero();
    }
  }

  @Test
  @Timeout(20)
  void s6FailingServerGetsNoMoreThanItsShareWithLatencyAwareBalancing() {
    // Half length: server 0 fails half its requests from 2.5 s on. A failure counts as a slow
    // response for least response time, so the failing server gets less than its tenth; with
    // outlier detection it is ejected, and its errors stop.
    Scenario s6 = Scenarios.s6().withRequests(15_000);
    Result lrt = Simulation.run(s6, "least_response_time", 1);
    Result lrtOd = Simulation.run(s6, "least_response_time+od", 1);
    Result rr = Simulation.run(s6, "round_robin", 1);

    assertThat(lrt.shares().get(0)).isLessThanOrEqualTo(0.1);
    assertThat(lrtOd.ejections()).isPositive();
    assertThat(lrtOd.errors()).isLessThan(lrt.errors() + 1);
    // Round robin keeps sending it a tenth: half of that fails, 5% of the requests after 2.5 s.
    assertThat(rr.errorRate()).isBetween(0.035, 0.05);
    assertThat(lrtOd.errorRate()).isLessThan(0.005);
  }

  @Test
  @Timeout(20)
  void s6cFreezeTimesOutRoundRobinButNotLeastConnections() {
    // Server 0 stops for 3 s: round robin keeps queueing a tenth of the traffic behind the freeze,
    // and those older than the 1 s timeout fail; least connections sees the server's in-flight
    // count stuck at its slots and sends elsewhere after at most a few requests.
    Scenario s6c = Scenarios.s6c();
    Result rr = Simulation.run(s6c, "round_robin", 1);
    Result lc = Simulation.run(s6c, "least_connections", 1);

    assertThat(rr.timeouts()).isGreaterThan(200);
    assertThat(lc.timeouts()).isLessThan(rr.timeouts() / 20);
  }

  @Test
  @Timeout(20)
  void s7HerdingOnStaleReportsIsWorseThanRandomWhilePowerOfTwoOnTheSameReportsIsNot() {
    // Every client reads the same 200 ms old report and the herd policy sends all of them to the
    // same least loaded servers until the next report; power of two choices over the same report
    // spreads the load over two random candidates and stays near random's.
    Scenario s7 = Scenarios.s7().withRequests(32_000);
    Result herd = Simulation.run(s7, "herd_stale", 1);
    Result stale = Simulation.run(s7, "p2c_stale", 1);
    Result random = Simulation.run(s7, "random", 1);

    assertThat(herd.meanNanos()).isGreaterThan(3 * random.meanNanos());
    assertThat(stale.meanNanos()).isLessThan(2 * random.meanNanos());
  }
}
