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

import static io.lbkit.simulator.TestResults.result;
import static io.lbkit.simulator.TestResults.slice;
import static io.lbkit.simulator.TestResults.timeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.common.collect.ImmutableList;
import io.lbkit.simulator.Goal.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The quality goals on hand-made results: met, missed, skipped and not evaluable. */
class GoalsTest {

  private static Goal goal(List<Result> results, String id) {
    return Goals.evaluate(results).stream()
        .filter(g -> g.id().equals(id))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void everyGoalIsSkippedWithoutResults() {
    ImmutableList<Goal> goals = Goals.evaluate(List.of());

    assertThat(goals)
        .extracting(Goal::id)
        .containsExactly(
            "S0/round_robin",
            "S0/weighted_round_robin",
            "S0/power_of_two_choices",
            "S1",
            "S3/power_of_two_choices",
            "S3/random",
            "S4",
            "S5",
            "S6",
            "S0/least_response_time",
            "tail",
            "S8",
            "S8-N10",
            "S8-slow",
            "S8-slow-N10",
            "S9",
            "S9/ss",
            "S10",
            "S4/probing",
            "S5/probing",
            "S6/probing",
            "S6b/probing",
            "S7/probing");
    assertThat(goals).allSatisfy(g -> assertThat(g.status()).isEqualTo(Status.SKIPPED));
    assertThat(goals.get(3).measured()).isEqualTo("S1 was not run");
    assertThat(Goals.summary(goals))
        .isEqualTo("0 met, 0 not met, 23 skipped, 0 not evaluable (of 23)");
  }

  @Test
  void s10JudgesServerZerosShareOnceItsStreamsAreOpen() {
    // Three servers: fair is a third. The first two seconds (streams still opening) do not count.
    Result fair =
        result("S10", "least_response_time")
            .shares(List.of(0.3, 0.35, 0.35))
            .timeline(timeline(20, t -> slice(t, 0, 0, t < 2 ? 0 : 60, 70, 70)))
            .build();
    Result shunned =
        result("S10", "least_connections")
            .shares(List.of(0.1, 0.45, 0.45))
            .timeline(timeline(20, t -> slice(t, 0, 0, 20, 90, 90)))
            .build();

    Goal met = goal(List.of(fair, shunned), "S10");
    assertThat(met.status()).isEqualTo(Status.MET);
    assertThat(met.measured())
        .isEqualTo(
            "least_response_time: server 0 share 30.0% from 2 s on (fair 33.3%);"
                + " least_connections 10.0%");

    Result lrtShunning =
        result("S10", "least_response_time")
            .shares(List.of(0.1, 0.45, 0.45))
            .timeline(timeline(20, t -> slice(t, 0, 0, 50, 75, 75)))
            .build();
    // 25% of 33.3% fair: 25% below it, outside the 20% margin.
    assertThat(goal(List.of(lrtShunning), "S10").status()).isEqualTo(Status.NOT_MET);
    assertThat(goal(List.of(shunned), "S10").status()).isEqualTo(Status.SKIPPED);
  }

  @Test
  void s0JudgesTheSpreadOfEachPolicyAndSkipsAMissingOne() {
    List<Double> even = Collections.nCopies(100, 0.01);
    Double[] uneven = new Double[100];
    for (int i = 0; i < 100; i++) {
      uneven[i] = i % 2 == 0 ? 0.0102 : 0.0098; // 2% relative standard deviation
    }
    List<Result> results =
        List.of(
            result("S0", "round_robin").shares(even).build(),
            result("S0", "power_of_two_choices").shares(uneven).build());

    assertThat(goal(results, "S0/round_robin").status()).isEqualTo(Status.MET);
    Goal p2c = goal(results, "S0/power_of_two_choices");
    assertThat(p2c.status()).isEqualTo(Status.NOT_MET);
    assertThat(p2c.measured()).contains("2.000%");
    Goal wrr = goal(results, "S0/weighted_round_robin");
    assertThat(wrr.status()).isEqualTo(Status.SKIPPED);
    assertThat(wrr.measured()).isEqualTo("weighted_round_robin was not run");
  }

  @Test
  void relativeStandardDeviationIsPopulationSdOverMean() {
    assertThat(Result.relativeStandardDeviation(List.of(1.0, 3.0))).isCloseTo(0.5, within(1e-12));
    assertThat(Result.relativeStandardDeviation(List.of(2.0, 2.0, 2.0))).isZero();
    assertThat(Result.relativeStandardDeviation(List.of())).isZero();
  }

  @Test
  void s1AsksForNinetyNineNinePercentSuccessOfLeastResponseTime() {
    Result rr = result("S1", "round_robin").outcomes(10_000, 500, 0).build();
    Result good = result("S1", "least_response_time").outcomes(10_000, 10, 0).build();
    Result bad = result("S1", "least_response_time").outcomes(10_000, 11, 0).build();

    Goal met = goal(List.of(rr, good), "S1");
    assertThat(met.status()).isEqualTo(Status.MET);
    assertThat(met.measured()).contains("99.900%").contains("round_robin: 95.000%");
    assertThat(goal(List.of(bad), "S1").status()).isEqualTo(Status.NOT_MET);
    Goal onlyRr = goal(List.of(rr), "S1");
    assertThat(onlyRr.status()).isEqualTo(Status.SKIPPED);
    assertThat(onlyRr.measured()).isEqualTo("least_response_time was not run");
  }

  @Test
  void s3ComparesMeansWithQueueingTheoryWithinTenPercent() {
    List<Result> inside =
        List.of(
            result("S3", "power_of_two_choices").meanMillis(2.61 * 1.09).build(),
            result("S3", "random").meanMillis(9.1).build());
    List<Result> outside =
        List.of(
            result("S3", "power_of_two_choices").meanMillis(2.61 * 1.11).build(),
            result("S3", "random").meanMillis(8.0).build());

    assertThat(goal(inside, "S3/power_of_two_choices").status()).isEqualTo(Status.MET);
    assertThat(goal(inside, "S3/random").status()).isEqualTo(Status.MET);
    assertThat(goal(outside, "S3/power_of_two_choices").status()).isEqualTo(Status.NOT_MET);
    Goal random = goal(outside, "S3/random");
    assertThat(random.status()).isEqualTo(Status.NOT_MET);
    assertThat(random.measured()).isEqualTo("random: 8.000 (-20.0%)");
  }

  @Test
  void s4ComparesTheTailWithLeastConnectionsAndTheClairvoyantOracle() {
    Result lrt = result("S4", "least_response_time").p999Millis(100).build();
    Result oracle = result("S4", "clairvoyant_oracle").p999Millis(70).build();

    Goal met =
        goal(List.of(lrt, oracle, result("S4", "least_connections").p999Millis(200).build()), "S4");
    assertThat(met.status()).isEqualTo(Status.MET);
    assertThat(met.measured()).contains("(2.00x)").contains("(1.43x)");
    // Less than twice better than least connections.
    assertThat(
            goal(
                    List.of(lrt, oracle, result("S4", "least_connections").p999Millis(199).build()),
                    "S4")
                .status())
        .isEqualTo(Status.NOT_MET);
    // More than 1.5x the oracle.
    assertThat(
            goal(
                    List.of(
                        lrt,
                        result("S4", "clairvoyant_oracle").p999Millis(66).build(),
                        result("S4", "least_connections").p999Millis(500).build()),
                    "S4")
                .status())
        .isEqualTo(Status.NOT_MET);
    Goal withoutOracle =
        goal(List.of(lrt, result("S4", "least_connections").p999Millis(500).build()), "S4");
    assertThat(withoutOracle.status()).isEqualTo(Status.SKIPPED);
    assertThat(withoutOracle.measured()).isEqualTo("clairvoyant_oracle was not run");
  }

  /**
   * Weighted round robin times out in seconds 20 to 39 (1% of its 1000 requests a second), except
   * in second 30.
   */
  private static Result s5WeightedRoundRobin() {
    return result("S5", "weighted_round_robin")
        .timeline(timeline(60, t -> slice(t, t >= 20 && t < 40 && t != 30 ? 10 : 0, 0, 500, 500)))
        .build();
  }

  @Test
  void s5JudgesTheBestLbkitPolicyWhereWeightedRoundRobinTimesOut() {
    // 4 failures in the 20,000 requests of seconds 20 to 39 (second 30 among them: the range is
    // contiguous); many outside them, which don't count.
    Result good =
        result("S5", "least_response_time")
            .timeline(
                timeline(
                    60, t -> slice(t, t == 25 ? 1 : t == 30 ? 3 : t >= 50 ? 50 : 0, 0, 500, 500)))
            .build();
    Result worse =
        result("S5", "least_connections")
            .timeline(timeline(60, t -> slice(t, t >= 20 && t < 40 ? 5 : 0, 0, 500, 500)))
            .build();

    Goal met = goal(List.of(s5WeightedRoundRobin(), worse, good), "S5");
    assertThat(met.status()).isEqualTo(Status.MET);
    assertThat(met.measured())
        .isEqualTo(
            "least_response_time: 0.020% failed from 20.0 s to 40.0 s, where weighted_round_robin"
                + " timed out (it failed 0.950% there)");

    assertThat(goal(List.of(s5WeightedRoundRobin(), worse), "S5").status())
        .isEqualTo(Status.NOT_MET);
  }

  @Test
  void s5LeavesTheOraclesOutOfTheBestPolicy() {
    Result oracle =
        result("S5", "clairvoyant_oracle")
            .timeline(timeline(60, t -> slice(t, 0, 0, 500, 500)))
            .build();
    Result lbkit =
        result("S5", "least_response_time")
            .timeline(timeline(60, t -> slice(t, 0, t % 2 == 0 ? 10 : 0, 500, 500)))
            .build();

    Goal g = goal(List.of(s5WeightedRoundRobin(), oracle, lbkit), "S5");
    assertThat(g.status()).isEqualTo(Status.NOT_MET);
    assertThat(g.measured()).startsWith("least_response_time:");
  }

  @Test
  void s5IsNotEvaluableWhenWeightedRoundRobinNeverTimesOut() {
    Result wrr =
        result("S5", "weighted_round_robin")
            .timeline(timeline(60, t -> slice(t, 0, 0, 500, 500)))
            .build();

    Goal g = goal(List.of(wrr, result("S5", "least_response_time").build()), "S5");
    assertThat(g.status()).isEqualTo(Status.NOT_EVALUABLE);
    assertThat(g.measured()).contains("never timed out");
    assertThat(goal(List.of(result("S5", "least_response_time").build()), "S5").status())
        .isEqualTo(Status.SKIPPED);
  }

  /**
   * Ten servers of 100 picks a second each; server 0 fails every request from second 10 on. A
   * policy that avoids it sends it {@code later} picks a second from {@code reaction} seconds after
   * that, and the rest of its tenth to server 1.
   */
  private static Result s6(String policy, int reaction, int later) {
    return result("S6", policy)
        .timeline(
            timeline(
                30,
                t -> {
                  int[] picks = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
                  if (t >= 10 + reaction) {
                    picks[0] = later;
                    picks[1] += 100 - later;
                  }
                  return slice(t, 0, t >= 10 ? picks[0] : 0, picks);
                }))
        .build();
  }

  @Test
  void s6IsMetWhenTheBestPolicyLeavesTheFailingServerWithinFiveSeconds() {
    Result roundRobin = s6("round_robin", 1000, 100);
    Result avoiding = s6("least_response_time", 4, 0);

    Goal g = goal(List.of(roundRobin, avoiding), "S6");
    assertThat(g.status()).isEqualTo(Status.MET);
    assertThat(g.measured())
        .startsWith("least_response_time: server 0 share")
        .contains("first failure at 10.0 s, worst interval from 15.0 s on: 0.000% failed");
  }

  @Test
  void s6IsNotMetWhenTheFailingServerStillFailsAfterFiveSeconds() {
    // Leaves after 6 s: second 15 still fails 10% of the requests.
    assertThat(goal(List.of(s6("least_response_time", 6, 0)), "S6").status())
        .isEqualTo(Status.NOT_MET);
    // Leaves in time but keeps 2 picks a second: 0.2%, below 1%, so that is met.
    assertThat(goal(List.of(s6("least_response_time", 3, 2)), "S6").status()).isEqualTo(Status.MET);
  }

  @Test
  void s6IsNotMetWhenTheFailingServerGetsMoreThanItsShare() {
    // 150 of 1000 picks in one second: 15% against 10% plus three standard deviations (2.8%).
    Result greedy =
        result("S6", "least_response_time")
            .timeline(
                timeline(
                    30,
                    t -> {
                      int[] picks = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
                      if (t == 3) {
                        picks[0] = 150;
                        picks[1] = 50;
                      }
                      return slice(t, 0, 0, picks);
                    }))
            .build();

    Goal g = goal(List.of(greedy), "S6");
    assertThat(g.status()).isEqualTo(Status.NOT_MET);
    assertThat(g.measured())
        .contains("at most 15.000% in an interval")
        .contains("no request failed");
  }

  /**
   * Server 0 fails every request from second 10 on; the policy sends it {@code atThree} picks in
   * second 3 and {@code atTwelve} in second 12 (of 1000 a second), and none from second 13 on.
   */
  private static Result s6Shares(int atThree, int atTwelve) {
    return result("S6", "least_response_time")
        .timeline(
            timeline(
                30,
                t -> {
                  int[] picks = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100};
                  picks[0] = t == 3 ? atThree : t == 12 ? atTwelve : t >= 13 ? 0 : 100;
                  picks[1] += 100 - picks[0];
                  return slice(t, 0, t >= 10 ? picks[0] : 0, picks);
                }))
        .build();
  }

  @Test
  void s6JudgesTheShareOnlyOnceTheServerFails() {
    // 15% before the failure is no sinkhole; 15% while failing is (above 12.8%: 3 sd at 1000).
    assertThat(goal(List.of(s6Shares(150, 100)), "S6").status()).isEqualTo(Status.MET);
    Goal sinkhole = goal(List.of(s6Shares(100, 150)), "S6");
    assertThat(sinkhole.status()).isEqualTo(Status.NOT_MET);
    assertThat(sinkhole.measured())
        .contains("at most 15.000% in an interval from the first failure on")
        .contains("worst interval from 15.0 s on: 0.000% failed");
  }

  @Test
  void s6IsNotEvaluableWhenTheRunEndsWithinFiveSecondsOfTheFailure() {
    Result late =
        result("S6", "least_response_time")
            .timeline(timeline(30, t -> slice(t, 0, t >= 27 ? 10 : 0, 100, 100, 100, 100)))
            .build();

    assertThat(goal(List.of(late), "S6").status()).isEqualTo(Status.NOT_EVALUABLE);
  }

  @Test
  void csvAndMarkdownQuoteWhatWouldBreakThem() {
    Goal g = new Goal("S9", "S9", "a, \"quoted\" | piped", Status.NOT_MET, "line\nbreak");

    assertThat(Goals.csv(List.of(g)))
        .isEqualTo(
            """
            id,scenario,status,goal,measured
            S9,S9,NOT MET,"a, ""quoted"" | piped","line
            break"
            """);
    assertThat(Goals.markdown(List.of(g)))
        .endsWith("| S9 | **not met** | a, \"quoted\" \\| piped | line break |\n");
  }

  @Test
  void probingGoalsJudgeTheProbingPolicy() {
    ImmutableList<Goal> goals =
        Goals.evaluate(
            List.of(
                result("S4", "probing").p999Millis(150).build(),
                result("S4", "least_connections").p999Millis(410).build(),
                result("S4", "clairvoyant_oracle").p999Millis(74).build(),
                result("S7", "probing").p999Millis(150).build(),
                result("S7", "least_connections").p999Millis(140).build()));
    assertThat(byId(goals, "S4/probing").status()).isEqualTo(Status.NOT_MET);
    assertThat(byId(goals, "S4/probing").measured()).contains("2.73x").contains("2.03x");
    assertThat(byId(goals, "S7/probing").status()).isEqualTo(Status.NOT_MET);
    ImmutableList<Goal> better =
        Goals.evaluate(
            List.of(
                result("S4", "probing").p999Millis(100).build(),
                result("S4", "least_connections").p999Millis(410).build(),
                result("S4", "clairvoyant_oracle").p999Millis(74).build(),
                result("S7", "probing").p999Millis(145).build(),
                result("S7", "least_connections").p999Millis(140).build()));
    assertThat(byId(better, "S4/probing").status()).isEqualTo(Status.MET);
    assertThat(byId(better, "S7/probing").status()).isEqualTo(Status.MET);
  }

  private static Goal byId(List<Goal> goals, String id) {
    return goals.stream().filter(g -> g.id().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void theTerminalTableShowsEveryGoalAndTheCount() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Goals.printTable(
        Goals.evaluate(List.of(result("S1", "least_response_time").build())),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));

    String text = bytes.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("met           S1 ").contains("skipped       S4 ");
    assertThat(text).contains("1 met, 0 not met, 22 skipped, 0 not evaluable (of 23)");
  }
}
