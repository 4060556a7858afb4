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
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Slow start ({@link SlowStart}): a server added later, or back from ejection, ramps its share of
 * picks up along the configured curve, under every selector; initial servers start at full weight.
 *
 * <p>The curve is {@code f(t) = max(minWeightPercent / 100, (t / window)^(1 / aggression))}. With
 * three initial servers of weight 1 and one new server, the new server's share of picks should be
 * {@code f / (3 + f)}. How a share is measured depends on the selector:
 *
 * <ul>
 *   <li>round robin, weighted round robin, random: picks completed one after the other (these
 *       selectors ignore load); round robin and weighted round robin follow a deterministic smooth
 *       schedule, so their share is exact up to the schedule's discrepancy over the sample;
 *   <li>least connections, power of two choices, least response time: these choose by load, so with
 *       requests completed one at a time every server is idle at every pick and the weight alone
 *       decides (the heavier server of a pair always wins). Their share is what they give under
 *       concurrency: picks are held in flight, and the new server's part of the held picks is
 *       measured. Least connections is greedy and deterministic up to ties: the new server ends
 *       within two picks of its ideal share.
 * </ul>
 */
class SlowStartTest {
  private static final Duration WINDOW = Duration.ofSeconds(100);
  private static final long MS = 1_000_000L;
  private static final String NEW = "new:80";

  private final FakeTicker ticker = FakeTicker.awayFromZero();

  /** The slow-start factor the configuration promises, {@code elapsed} into the window. */
  private static double curve(double fraction, double aggression, double minWeightPercent) {
    if (fraction >= 1) {
      return 1.0;
    }
    return Math.max(minWeightPercent / 100, Math.pow(fraction, 1 / aggression));
  }

  private static List<Server> initial() {
    return List.of(Server.of("a", 80), Server.of("b", 80), Server.of("c", 80));
  }

  private LoadBalancer balancer(Selector selector, SlowStart slowStart) {
    return ticker.build(
        LoadBalancer.builder().selector(selector).servers(initial()).slowStart(slowStart));
  }

  private static Endpoint endpoint(LoadBalancer lb, String id) {
    return lb.eligibleEndpoints().stream()
        .filter(e -> e.server().id().equals(id))
        .findFirst()
        .orElseThrow(() -> new AssertionError(id + " is not eligible"));
  }

  /** How a selector's share of picks is measured (see the class doc). */
  private enum Measure {
    SEQUENTIAL,
    CONCURRENT
  }

  /** A selector under test: how to measure it, how many picks, and the allowed share error. */
  private record Case(
      String name, Supplier<Selector> selector, Measure measure, int picks, double tolerance) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> selectors() {
    return Stream.of(
        // Smooth schedules: deterministic; the error is the schedule's discrepancy over 10,000
        // consecutive picks (measured at most 2 picks; the bound is 10).
        Arguments.of(
            new Case("round_robin", Selectors::roundRobin, Measure.SEQUENTIAL, 10_000, 0.001)),
        Arguments.of(
            new Case(
                "weighted_round_robin",
                Selectors::weightedRoundRobin,
                Measure.SEQUENTIAL,
                10_000,
                0.001)),
        // Random: the share's standard deviation over 40,000 picks is at most 0.0025; the bound is
        // six of them.
        Arguments.of(new Case("random", Selectors::random, Measure.SEQUENTIAL, 40_000, 0.015)),
        Arguments.of(
            new Case(
                "weighted_random", Selectors::weightedRandom, Measure.SEQUENTIAL, 40_000, 0.015)),
        // Greedy least connections: within two picks of the ideal share of 1,000 held picks.
        Arguments.of(
            new Case(
                "least_connections",
                Selectors::leastConnections,
                Measure.CONCURRENT,
                1_000,
                2.0 / 1_000)),
        // Power of two choices keeps the weighted loads within a step of each other: measured at
        // most 2 picks of 2,000 from the ideal; the bound is 10.
        Arguments.of(
            new Case(
                "power_of_two_choices",
                Selectors::powerOfTwoChoices,
                Measure.CONCURRENT,
                2_000,
                0.005)),
        Arguments.of(
            new Case(
                "least_response_time",
                Selectors::leastResponseTime,
                Measure.CONCURRENT,
                2_000,
                0.005)));
  }

  /** The new server's share of {@code picks} picks, measured as the case says. */
  private static double share(LoadBalancer lb, Case c) {
    int hits = 0;
    if (c.measure() == Measure.SEQUENTIAL) {
      for (int i = 0; i < c.picks(); i++) {
        Pick p = lb.pick();
        if (p.server().id().equals(NEW)) {
          hits++;
        }
        p.complete(Outcome.SUCCESS, 10 * MS);
      }
    } else {
      List<Pick> held = new ArrayList<>();
      for (int i = 0; i < c.picks(); i++) {
        Pick p = lb.pick();
        if (p.server().id().equals(NEW)) {
          hits++;
        }
        held.add(p);
      }
      // Every server answers in 10 ms: equal latency estimates for least response time.
      for (Pick p : held) {
        p.complete(Outcome.SUCCESS, 10 * MS);
      }
    }
    return (double) hits / c.picks();
  }

  /**
   * Gives every server a latency sample (10 ms): least response time would otherwise see an
   * unmeasured server as free. Other selectors ignore it.
   */
  private static void measureAll(LoadBalancer lb) {
    for (int i = 0; i < 10_000; i++) {
      if (lb.eligibleEndpoints().stream().allMatch(e -> e.latencyEstimateNanos() > 0)
          || !lb.selector().usesLatency()) {
        return;
      }
      lb.pick().complete(Outcome.SUCCESS, 10 * MS);
    }
    throw new AssertionError("some server was never measured: " + lb.status());
  }

  private void rampFollowsTheCurve(Case c, double aggression, double minWeightPercent) {
    SlowStart slow =
        aggression == 1 && minWeightPercent == 10
            ? SlowStart.of(WINDOW)
            : SlowStart.of(WINDOW, aggression, minWeightPercent);
    LoadBalancer lb = balancer(c.selector().get(), slow);
    measureAll(lb);
    lb.addServer(Server.of("new", 80));
    measureAll(lb);

    double[] fractions = {0, 0.1, 0.25, 0.5, 0.75, 0.9};
    long elapsedMillis = 0;
    for (double fraction : fractions) {
      long target = Math.round(fraction * WINDOW.toMillis());
      ticker.advanceAndMaintain(lb, Duration.ofMillis(target - elapsedMillis));
      elapsedMillis = target;
      double f = curve(fraction, aggression, minWeightPercent);
      ServerStatus status = lb.status(NEW).orElseThrow();
      assertThat(status.state()).isEqualTo(HealthState.WARMING);
      assertThat(status.weightFactor()).as("factor at %s", fraction).isCloseTo(f, within(1e-9));
      assertThat(endpoint(lb, NEW).warmupFactor()).isCloseTo(f, within(1e-9));
      assertThat(endpoint(lb, NEW).weight()).isCloseTo(f, within(1e-9));

      double expected = f / (3 + f);
      double measured = share(lb, c);
      assertThat(measured)
          .as("%s share at %s of the window (factor %s)", c, fraction, f)
          .isCloseTo(expected, within(c.tolerance()));
    }

    // After the window: full weight, HEALTHY, an equal share.
    ticker.advanceAndMaintain(lb, Duration.ofMillis(WINDOW.toMillis() - elapsedMillis));
    ServerStatus status = lb.status(NEW).orElseThrow();
    assertThat(status.state()).isEqualTo(HealthState.HEALTHY);
    assertThat(status.weightFactor()).isEqualTo(1.0);
    assertThat(endpoint(lb, NEW).warmupFactor()).isEqualTo(1.0);
    assertThat(share(lb, c)).isCloseTo(0.25, within(Math.max(c.tolerance(), 0.002)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selectors")
  void linearRamp(Case c) {
    rampFollowsTheCurve(c, 1, 10);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selectors")
  void aggressiveRamp(Case c) {
    rampFollowsTheCurve(c, 2, 10);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selectors")
  void highMinimumWeight(Case c) {
    // A floor of 40 %: flat at 0.4 until the linear ramp passes it at 40 % of the window.
    rampFollowsTheCurve(c, 1, 40);
  }

  // ---- the factor itself ----

  @Test
  void factorFollowsEnvoysFormula() {
    SlowStart linear = SlowStart.of(WINDOW);
    SlowStart aggressive = SlowStart.of(WINDOW, 2, 10);
    SlowStart gentle = SlowStart.of(WINDOW, 0.5, 1);
    long w = WINDOW.toNanos();
    // At the start the minimum weight holds; a curve that starts lower is lifted to it.
    assertThat(linear.factor(0)).isEqualTo(0.1);
    assertThat(aggressive.factor(0)).isEqualTo(0.1);
    assertThat(aggressive.factor(w / 400)).isEqualTo(0.1); // sqrt(0.0025) = 0.05 < 0.1
    assertThat(linear.factor(w / 4)).isCloseTo(0.25, within(1e-12));
    assertThat(aggressive.factor(w / 4)).isCloseTo(0.5, within(1e-12));
    assertThat(gentle.factor(w / 2)).isCloseTo(0.25, within(1e-12));
    assertThat(gentle.factor(w / 20)).isCloseTo(0.01, within(1e-12));
    assertThat(linear.factor(w)).isEqualTo(1.0);
    assertThat(linear.factor(2 * w)).isEqualTo(1.0);
    assertThat(linear.factor(-5)).isEqualTo(0.1);
    assertThat(SlowStart.of(WINDOW, 1, 100).factor(0)).isEqualTo(1.0);
  }

  // ---- who warms up ----

  @Test
  void initialServersStartAtFullWeight() {
    LoadBalancer lb = balancer(Selectors.roundRobin(), SlowStart.of(WINDOW));
    for (ServerStatus s : lb.status()) {
      assertThat(s.state()).isEqualTo(HealthState.HEALTHY);
      assertThat(s.weightFactor()).isEqualTo(1.0);
    }
    assertThat(lb.eligibleEndpoints()).allSatisfy(e -> assertThat(e.warmupFactor()).isEqualTo(1.0));
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      counts.merge(lb.pick().server().host(), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("a", 100).containsEntry("b", 100).containsEntry("c", 100);
  }

  @Test
  void setServersWarmsNewIdsOnly() {
    LoadBalancer lb = balancer(Selectors.roundRobin(), SlowStart.of(WINDOW));
    ticker.advanceAndMaintain(lb, Duration.ofSeconds(5));
    List<Server> next = new ArrayList<>(initial());
    next.set(0, Server.builder("a", 80).weight(3).build());
    next.add(Server.of("new", 80));
    lb.setServers(next);
    assertThat(lb.health("a:80")).contains(HealthState.HEALTHY);
    assertThat(lb.status("a:80").orElseThrow().weightFactor()).isEqualTo(1.0);
    assertThat(lb.health(NEW)).contains(HealthState.WARMING);
    assertThat(lb.status(NEW).orElseThrow().weightFactor()).isEqualTo(0.1);
  }

  @Test
  void withoutSlowStartNewServersTakeTheirFullShareAtOnce() {
    LoadBalancer lb =
        ticker.build(
            LoadBalancer.builder()
                .selector(Selectors.roundRobin())
                .servers(initial())
                .outlierDetection(OutlierDetection.defaults()));
    lb.addServer(Server.of("new", 80));
    assertThat(lb.health(NEW)).contains(HealthState.HEALTHY);
    int hits = 0;
    for (int i = 0; i < 400; i++) {
      hits += lb.pick().server().id().equals(NEW) ? 1 : 0;
    }
    assertThat(hits).isEqualTo(100);
  }

  @Test
  void serverBackFromEjectionWarmsUp() {
    Duration base = Duration.ofSeconds(30);
    LoadBalancer lb =
        ticker.build(
            LoadBalancer.builder()
                .selector(Selectors.roundRobin())
                .servers(initial())
                .slowStart(SlowStart.of(WINDOW))
                .outlierDetection(
                    OutlierDetection.builder()
                        .consecutiveFailures(5)
                        .disableSuccessRate()
                        .baseEjectionTime(base)
                        .jitter(0)
                        .build()));
    int failures = 0;
    while (failures < 5) {
      Pick p = lb.pick();
      if (p.server().host().equals("a")) {
        p.failure();
        failures++;
      } else {
        p.success();
      }
    }
    assertThat(lb.health("a:80")).contains(HealthState.EJECTED);
    // Ejected: no warm-up factor shown (it is not picked at all).
    assertThat(lb.status("a:80").orElseThrow().weightFactor()).isEqualTo(1.0);

    ticker.advanceAndMaintain(lb, base);
    ServerStatus back = lb.status("a:80").orElseThrow();
    assertThat(back.state()).isEqualTo(HealthState.WARMING);
    assertThat(back.weightFactor()).isEqualTo(0.1);
    assertThat(share(lb, "a:80", 21_000)).isCloseTo(0.1 / 2.1, within(0.002));

    ticker.advanceAndMaintain(lb, WINDOW.dividedBy(2));
    assertThat(lb.status("a:80").orElseThrow().weightFactor()).isCloseTo(0.5, within(1e-9));
    assertThat(share(lb, "a:80", 25_000)).isCloseTo(0.5 / 2.5, within(0.002));

    ticker.advanceAndMaintain(lb, WINDOW.dividedBy(2));
    assertThat(lb.health("a:80")).contains(HealthState.HEALTHY);
    assertThat(lb.status("a:80").orElseThrow().weightFactor()).isEqualTo(1.0);
    assertThat(share(lb, "a:80", 3_000)).isEqualTo(1.0 / 3);
  }

  private static double share(LoadBalancer lb, String id, int picks) {
    int hits = 0;
    for (int i = 0; i < picks; i++) {
      Pick p = lb.pick();
      hits += p.server().id().equals(id) ? 1 : 0;
      p.success();
    }
    return (double) hits / picks;
  }

  @Test
  void factorFreezesBetweenMaintenanceRunsAndAdvancesWithThem() {
    // The ramp advances when maintenance rebuilds the snapshot (every tick), never on the pick
    // path: between two runs picks see one factor.
    LoadBalancer lb = balancer(Selectors.roundRobin(), SlowStart.of(WINDOW));
    lb.addServer(Server.of("new", 80));
    ticker.advance(WINDOW.dividedBy(2));
    assertThat(endpoint(lb, NEW).warmupFactor()).isEqualTo(0.1);
    lb.maintain();
    assertThat(endpoint(lb, NEW).warmupFactor()).isCloseTo(0.5, within(1e-9));
  }

  // ---- least response time before the first answer ----

  @Test
  void newServerIsNotFloodedBeforeItsFirstAnswerUnderLeastResponseTime() {
    // The initial servers have answered in 10 ms; the new one has not answered yet. Under
    // concurrency, its share while unmeasured must stay near its slow-start share (0.1 / 3.1 of
    // the picks, about 3 of 100), not every pick it is drawn for: a cold server that takes a while
    // to answer its first request would otherwise receive every request sent meanwhile.
    LoadBalancer lb = balancer(Selectors.leastResponseTime(), SlowStart.of(WINDOW));
    measureAll(lb);
    lb.addServer(Server.of("new", 80));
    List<Pick> held = new ArrayList<>();
    int hits = 0;
    for (int i = 0; i < 100; i++) {
      Pick p = lb.pick();
      hits += p.server().id().equals(NEW) ? 1 : 0;
      held.add(p);
    }
    assertThat(hits).isLessThanOrEqualTo(5);
    held.forEach(Pick::close);
  }
}
