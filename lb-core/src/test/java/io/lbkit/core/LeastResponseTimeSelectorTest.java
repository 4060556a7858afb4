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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Selectors#leastResponseTime()}: power of two choices over peak EWMA, driven by a fake
 * ticker. Requests are simulated one after the other: pick, let the server's latency pass on the
 * ticker, report the outcome.
 */
class LeastResponseTimeSelectorTest {
  private static final long MS = 1_000_000L;

  /** The default decay: lower samples are averaged in over it. */
  private static final double TAU_NANOS = Duration.ofMillis(500).toNanos();

  /** The packing's relative precision (16-bit mantissa). */
  private static final double PRECISION = 0x1p-16;

  private Selector selector = Selectors.leastResponseTime();

  /** Finagle's and Linkerd's balancer, for the tests of the peak-EWMA estimate as such. */
  private void usePeakEwma() {
    selector = Selectors.powerOfTwoChoices(LoadMetric.peakEwma());
  }

  private final FakeTicker ticker = new FakeTicker(Duration.ofDays(3).toNanos());

  private LoadBalancer balancer(String... hosts) {
    return balancer(LoadBalancer.builder(), hosts);
  }

  private LoadBalancer balancer(LoadBalancerBuilder builder, String... hosts) {
    List<Server> servers = new ArrayList<>();
    for (String h : hosts) {
      servers.add(Server.of(h, 80));
    }
    return builder.selector(selector).ticker(ticker).servers(servers).build();
  }

  private static Endpoint endpoint(LoadBalancer lb, String host) {
    return lb.eligibleEndpoints().stream()
        .filter(e -> e.server().host().equals(host))
        .findFirst()
        .orElseThrow();
  }

  /** One request: pick, wait the server's latency on the ticker, report the outcome. */
  private String request(
      LoadBalancer lb, Map<String, Long> latencyNanos, Map<String, Outcome> outcome) {
    Pick p = lb.pick();
    String host = p.server().host();
    Long latency = latencyNanos.get(host);
    if (latency == null) {
      throw new AssertionError("no latency given for " + host);
    }
    ticker.advanceNanos(latency);
    p.complete(outcome.getOrDefault(host, Outcome.SUCCESS));
    return host;
  }

  /** Sends requests until every server has a latency sample. */
  private void warmUp(LoadBalancer lb, Map<String, Long> latency, Map<String, Outcome> outcome) {
    warmUp(lb, latency, outcome, 1000);
  }

  /** Sends up to {@code requests} requests until every server has a latency sample. */
  private void warmUp(
      LoadBalancer lb, Map<String, Long> latency, Map<String, Outcome> outcome, int requests) {
    for (int i = 0; i < requests; i++) {
      if (lb.eligibleEndpoints().stream().allMatch(e -> e.latencyEstimateNanos() > 0)) {
        return;
      }
      request(lb, latency, outcome);
    }
    throw new AssertionError("some server never got a sample");
  }

  @Test
  void slowServerIsAvoided() {
    LoadBalancer lb = balancer("fast1", "fast2", "slow");
    Map<String, Long> latency = Map.of("fast1", 1 * MS, "fast2", 1 * MS, "slow", 100 * MS);
    warmUp(lb, latency, Map.of());

    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(request(lb, latency, Map.of()), 1, Integer::sum);
    }
    // 1,000 requests take about 1 s: the slow server is probed about once a decay time (500 ms),
    // and each probe finds it slow again. A tenth of its fair share would be 33.
    assertThat(counts.getOrDefault("slow", 0)).isLessThanOrEqualTo(5);
    assertThat(counts.get("fast1")).isGreaterThan(300);
    assertThat(counts.get("fast2")).isGreaterThan(300);
  }

  @Test
  void unmeasuredServerIsTriedBeforeAMeasuredOne() {
    usePeakEwma();
    for (int round = 0; round < 50; round++) {
      LoadBalancer lb = balancer("a", "b");
      Map<String, Long> latency = Map.of("a", 5 * MS, "b", 5 * MS);
      // A never-measured server costs (0 + 1) ns against the other's 5 ms: the second request
      // goes to the server the first one did not.
      String first = request(lb, latency, Map.of());
      String second = request(lb, latency, Map.of());
      assertThat(second).isNotEqualTo(first);
    }
  }

  @Test
  void peakSampleRaisesTheEstimateAtOnce() {
    LoadBalancer lb = balancer("a");
    Endpoint a = endpoint(lb, "a");
    Map<String, Long> latency = new HashMap<>(Map.of("a", 1 * MS));
    request(lb, latency, Map.of());
    assertThat(a.latencyEstimateNanos()).isCloseTo(1 * MS, within(1 * MS * PRECISION));

    latency.put("a", 50 * MS);
    request(lb, latency, Map.of());
    assertThat(a.latencyEstimateNanos()).isCloseTo(50 * MS, within(50 * MS * PRECISION));
  }

  @Test
  void lowerSamplesDecayTheEstimateWithElapsedTime() {
    LoadBalancer lb = balancer("a");
    Endpoint a = endpoint(lb, "a");
    request(lb, Map.of("a", 50 * MS), Map.of());

    // Idle for 200 ms, then a 10 ms answer: 210 ms after the 50 ms sample.
    ticker.advance(Duration.ofMillis(200));
    request(lb, Map.of("a", 10 * MS), Map.of());
    double w = Math.exp(-0.21e9 / TAU_NANOS);
    double expected = 50 * MS * w + 10 * MS * (1 - w);
    assertThat(a.latencyEstimateNanos()).isCloseTo(expected, within(0.01 * expected));

    // While idle the estimate as endpoints report it decays by exp(-elapsed / (20 x decay)).
    ticker.advance(Duration.ofSeconds(3));
    assertThat(a.latencyEstimateNanos())
        .isCloseTo(expected * Math.exp(-0.3), within(0.01 * expected * Math.exp(-0.3)));
  }

  @Test
  void decayTimeIsConfigurable() {
    LoadBalancer lb =
        balancer(
            LoadBalancer.builder().latencyModel(Duration.ofSeconds(1), 2, Duration.ofMillis(10)),
            "a");
    Endpoint a = endpoint(lb, "a");
    request(lb, Map.of("a", 40 * MS), Map.of());
    ticker.advance(Duration.ofMillis(500));
    // Read decay: 20 x 1 s; lower samples are averaged in over 1 s.
    assertThat(a.latencyEstimateNanos())
        .isCloseTo(40 * MS * Math.exp(-0.025), within(0.01 * 40 * MS * Math.exp(-0.025)));

    request(lb, Map.of("a", 4 * MS), Map.of());
    double w = Math.exp(-0.504);
    double expected = 40 * MS * w + 4 * MS * (1 - w);
    assertThat(a.latencyEstimateNanos()).isCloseTo(expected, within(0.01 * expected));
  }

  @Test
  void idleSlowServerIsReprobedOnceItsEstimateDecaysBelowTheOthers() {
    // Finagle's rule, which LoadMetric.peakEwma() keeps: the estimate decays towards zero.
    usePeakEwma();
    LoadBalancer lb = balancer("fast1", "fast2", "slow");
    Map<String, Long> latency = Map.of("fast1", 1 * MS, "fast2", 1 * MS, "slow", 100 * MS);
    warmUp(lb, latency, Map.of());
    long slowSampleAt = ticker.read();
    for (int i = 0; i < 200_000; i++) {
      long before = ticker.read();
      if (request(lb, latency, Map.of()).equals("slow")) {
        // 100 ms * exp(-t / 10 s) falls below the fast servers' 1 ms at t = 10 s * ln 100 = 46 s.
        double idleSeconds = (before - slowSampleAt) / 1e9;
        assertThat(idleSeconds).isBetween(45.0, 47.5);
        return;
      }
    }
    throw new AssertionError("the slow server was never tried again");
  }

  @Test
  void fastFailingServerIsNotABlackHole() {
    LoadBalancer lb = balancer("broken", "ok1", "ok2");
    Map<String, Long> latency = Map.of("broken", 1 * MS, "ok1", 50 * MS, "ok2", 50 * MS);
    Map<String, Outcome> outcome = Map.of("broken", Outcome.FAILURE);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(request(lb, latency, outcome), 1, Integer::sum);
    }
    // Each failure counts as at least twice the estimate (and at least 10 ms), so the broken
    // server's cost doubles with every failure and it is retried ever more rarely: measured 7 of
    // 1,000. Were failures timed at face value (1 ms), it would win every pair it is drawn in:
    // about 667 of 1,000. Bound: 2 %.
    assertThat(counts.getOrDefault("broken", 0)).isLessThanOrEqualTo(20);
  }

  @Test
  void everyFailureKindIsPenalised() {
    for (Outcome failure : List.of(Outcome.FAILURE, Outcome.CONNECT_FAILURE, Outcome.TIMEOUT)) {
      LoadBalancer lb = balancer("a");
      Endpoint a = endpoint(lb, "a");
      // No estimate yet: a 1 ms failure counts as the 10 ms floor.
      request(lb, Map.of("a", 1 * MS), Map.of("a", failure));
      assertThat(a.latencyEstimateNanos())
          .as("%s", failure)
          .isCloseTo(10 * MS, within(10 * MS * PRECISION));
      // Then as twice the estimate.
      request(lb, Map.of("a", 1 * MS), Map.of("a", failure));
      assertThat(a.latencyEstimateNanos())
          .as("%s", failure)
          .isCloseTo(20 * MS, within(20 * MS * PRECISION));
      // A slow failure counts at face value when that is more.
      request(lb, Map.of("a", 300 * MS), Map.of("a", failure));
      assertThat(a.latencyEstimateNanos())
          .as("%s", failure)
          .isCloseTo(300 * MS, within(300 * MS * PRECISION));
    }
  }

  @Test
  void failurePenaltyIsConfigurable() {
    LoadBalancer lb =
        balancer(
            LoadBalancer.builder().latencyModel(Duration.ofSeconds(10), 3, Duration.ofMillis(50)),
            "a");
    Endpoint a = endpoint(lb, "a");
    request(lb, Map.of("a", 1 * MS), Map.of("a", Outcome.TIMEOUT));
    assertThat(a.latencyEstimateNanos()).isCloseTo(50 * MS, within(50 * MS * PRECISION));
    request(lb, Map.of("a", 1 * MS), Map.of("a", Outcome.TIMEOUT));
    assertThat(a.latencyEstimateNanos()).isCloseTo(150 * MS, within(150 * MS * PRECISION));
  }

  @Test
  void hungServerDoesNotBecomeAttractive() {
    LoadBalancer lb = balancer("hung", "ok");
    Map<String, Long> latency = Map.of("hung", 10 * MS, "ok", 10 * MS);
    warmUp(lb, latency, Map.of());

    // A request to "hung" never returns.
    lb.setHealth("ok:80", HealthState.UNHEALTHY);
    Pick stuck = lb.pick();
    assertThat(stuck.server().host()).isEqualTo("hung");
    lb.setHealth("ok:80", HealthState.HEALTHY);
    Endpoint hung = endpoint(lb, "hung");

    ticker.advance(Duration.ofSeconds(60));
    // An idle server's estimate would have decayed by e^-6; one with a request in flight keeps its
    // last sample.
    assertThat(hung.latencyEstimateNanos()).isCloseTo(10 * MS, within(10 * MS * PRECISION));
    assertThat(endpoint(lb, "ok").latencyEstimateNanos()).isLessThan(0.01 * 10 * MS);

    for (int i = 0; i < 200; i++) {
      assertThat(request(lb, latency, Map.of())).isEqualTo("ok");
    }
    assertThat(stuck.isCompleted()).isFalse();
  }

  @Test
  void inFlightRequestsMultiplyTheCost() {
    LoadBalancer lb = balancer("busy", "slower");
    // Measure busy at 10 ms and slower at 15 ms, one at a time.
    lb.setHealth("slower:80", HealthState.UNHEALTHY);
    request(lb, Map.of("busy", 10 * MS), Map.of());
    Pick held = lb.pick(); // busy now has one request in flight: cost 10 ms * 2 = 20 ms
    lb.setHealth("slower:80", HealthState.HEALTHY);
    lb.setHealth("busy:80", HealthState.UNHEALTHY);
    request(lb, Map.of("slower", 15 * MS), Map.of());
    lb.setHealth("busy:80", HealthState.HEALTHY);

    assertThat(lb.pick().server().host()).isEqualTo("slower");
    held.close();
  }

  @Test
  void namesAndStatistics() {
    Selector s = Selectors.leastResponseTime();
    assertThat(s.name()).isEqualTo("least_response_time");
    assertThat(s.usesInFlight()).isTrue();
    assertThat(s.usesLatency()).isTrue();
    Selector p2c = Selectors.powerOfTwoChoices(LoadMetric.peakEwma());
    assertThat(p2c.usesInFlight()).isTrue();
    assertThat(p2c.usesLatency()).isTrue();
  }

  @Test
  void sampleLeftIdleForDaysHasDecayedWhenReadAgain() {
    // Issue 11: the timestamp gap was a signed 32-bit count of 2^16 ns, so after about 39 hours of
    // idleness a 1 s sample came back at full value instead of fully decayed.
    LoadBalancer lb = balancer("a");
    Endpoint a = endpoint(lb, "a");
    lb.pick().complete(Outcome.SUCCESS, Duration.ofSeconds(1).toNanos());
    long start = ticker.read();
    for (long hours : new long[] {1, 40, 60, 100, 1000, 15_000}) {
      ticker.set(start + Duration.ofHours(hours).toNanos());
      assertThat(a.latencyEstimateNanos()).as("%s hours idle", hours).isLessThan(1.0);
    }
  }

  @Test
  void absurdMeasuredLatencyIsClamped() {
    // Issue 11: complete(SUCCESS, Long.MAX_VALUE) set an estimate of 9.2e18 ns.
    LoadBalancer lb = balancer("a");
    Endpoint a = endpoint(lb, "a");
    lb.pick().complete(Outcome.SUCCESS, Long.MAX_VALUE);
    assertThat(a.latencyEstimateNanos())
        .isPositive()
        .isLessThanOrEqualTo((double) Duration.ofDays(1).toNanos());
    // And the estimate still decays as time passes: its timestamp was not thrown into the future.
    ticker.advance(Duration.ofDays(30));
    assertThat(a.latencyEstimateNanos()).isLessThan(1.0);
  }

  @Test
  void oneSlowReplyCostsAServerItsShareForAboutADecayTimeOnly() {
    LoadBalancer lb = balancer("a", "b", "c");
    Map<String, Long> latency = new HashMap<>(Map.of("a", 1 * MS, "b", 1 * MS, "c", 1 * MS));
    warmUp(lb, latency, Map.of());
    for (int i = 0; i < 300; i++) {
      request(lb, latency, Map.of());
      ticker.advance(Duration.ofMillis(4));
    }
    // One 100 ms reply of a.
    latency.put("a", 100 * MS);
    while (!request(lb, latency, Map.of()).equals("a")) {
      ticker.advance(Duration.ofMillis(4));
    }
    latency.put("a", 1 * MS);
    long slowAt = ticker.read();
    // Sequential requests every 5 ms: a is picked again well within 2 s (Finagle's peak EWMA,
    // decaying towards zero over 10 s, waits about 46 s), and then gets its share.
    Map<String, Integer> counts = new HashMap<>();
    long backAt = -1;
    for (int i = 0; i < 800; i++) {
      ticker.advance(Duration.ofMillis(4));
      String host = request(lb, latency, Map.of());
      if (host.equals("a") && backAt < 0) {
        backAt = ticker.read();
      }
      if (ticker.read() - slowAt > 2_000 * MS) {
        counts.merge(host, 1, Integer::sum);
      }
    }
    assertThat(backAt - slowAt).isPositive().isLessThan(2_000 * MS);
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    assertThat(counts.getOrDefault("a", 0)).isGreaterThan(total / 6);
  }

  @Test
  void serverThatStaysSlowKeepsLittleOfItsShare() {
    LoadBalancer lb = balancer("a", "b", "c");
    Map<String, Long> latency = Map.of("a", 10 * MS, "b", 1 * MS, "c", 1 * MS);
    warmUp(lb, latency, Map.of());
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      ticker.advance(Duration.ofMillis(4));
      counts.merge(request(lb, latency, Map.of()), 1, Integer::sum);
    }
    // A tenth of its fair share would be 67 of 2,000.
    assertThat(counts.getOrDefault("a", 0)).isLessThan(67);
  }

  /**
   * The fleet's typical latency must not depend on where the servers sit in the list. 80 servers,
   * one in 5 fast (1 ms) and the others 10 ms, so that every server is within the band of a typical
   * latency near 10 ms and idle servers share the picks evenly (the fast ones 20%). Listed with the
   * fast ones at every 5th position from 0, a yardstick of 16 evenly spaced servers (5 apart) would
   * see only fast ones and take 1 ms as typical: the 10 ms servers would then cost more than an
   * idle fast one until their idle estimates decayed, and the fast servers took 94% of the picks.
   * From position 1, it would see none of them (20%).
   */
  @Test
  void typicalLatencyDoesNotDependOnTheServersPlacesInTheList() {
    int servers = 80;
    double[] fastShare = new double[2];
    for (int offset = 0; offset < 2; offset++) {
      List<String> hosts = new ArrayList<>();
      Set<String> fastHosts = new HashSet<>();
      Map<String, Long> latency = new HashMap<>();
      for (int i = 0; i < servers; i++) {
        String host = "s" + i;
        hosts.add(host);
        if (i % 5 == offset) {
          fastHosts.add(host);
        }
        latency.put(host, fastHosts.contains(host) ? 1 * MS : 10 * MS);
      }
      LoadBalancer lb = balancer(hosts.toArray(new String[0]));
      // Servers drawn at random: every one has a sample after about 80 x ln 80 requests.
      warmUp(lb, latency, Map.of(), 20_000);
      int picks = 4000;
      int fast = 0;
      for (int k = 0; k < picks; k++) {
        if (fastHosts.contains(request(lb, latency, Map.of()))) {
          fast++;
        }
      }
      fastShare[offset] = (double) fast / picks;
    }
    // Even shares give the 16 fast servers 20% of the picks in both layouts.
    assertThat(fastShare[0]).as("fast servers at the evenly spaced positions").isLessThan(0.3);
    assertThat(fastShare[1]).as("fast servers elsewhere").isLessThan(0.3);
  }

  /**
   * Sends {@code picks} requests one after the other, each 4 ms after the last and answered in 1 ms
   * (so the servers not held busy are idle and equally fast at each pick), and counts them by host.
   */
  private Map<String, Integer> picksPerHost(LoadBalancer lb, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      ticker.advance(Duration.ofMillis(4));
      Pick p = lb.pick();
      ticker.advance(Duration.ofMillis(1));
      p.success();
      counts.merge(p.server().host(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void idleServersSharePicksByWeight() {
    List<Server> servers =
        List.of(
            Server.builder("light", 80).weight(1).build(),
            Server.builder("heavy", 80).weight(3).build());
    LoadBalancer lb =
        LoadBalancer.builder().selector(selector).ticker(ticker).servers(servers).build();
    Map<String, Integer> counts = picksPerHost(lb, 4000);
    assertThat(counts.get("light")).isBetween(800, 1200);
  }

  @Test
  void tiedServersAnywhereInTheListSharePicksByWeight() {
    // Five servers of weights 1 to 5; the middle one (weight 3) is held busy, so the four idle ones
    // tie and must share the picks 1 : 2 : 4 : 5, whichever positions they hold in the list.
    List<Server> servers = new ArrayList<>();
    for (int w = 1; w <= 5; w++) {
      servers.add(Server.builder("w" + w, 80).weight(w).build());
    }
    LoadBalancer lb =
        LoadBalancer.builder().selector(selector).ticker(ticker).servers(servers).build();
    Pick held = lb.pickServer("w3:80").orElseThrow();
    int picks = 12_000;
    Map<String, Integer> counts = picksPerHost(lb, picks);
    held.success();
    assertThat(counts).doesNotContainKey("w3");
    for (int w : new int[] {1, 2, 4, 5}) {
      // Expected picks * w / 12; the bounds are more than five standard deviations wide.
      int expected = picks * w / 12;
      assertThat(counts.get("w" + w))
          .as("w%d", w)
          .isBetween(expected * 85 / 100, expected * 115 / 100);
    }
  }

  @Test
  void tiedServersOfEqualWeightShareThePicksEvenly() {
    // Ten servers of one weight, four of them held busy (the first among them): the six idle ones
    // tie and must share the picks evenly, whether a pick's first draw lands on one of them or not.
    LoadBalancer lb = balancer("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9");
    List<Pick> held = new ArrayList<>();
    for (String busy : List.of("s0", "s2", "s5", "s7")) {
      held.add(lb.pickServer(busy + ":80").orElseThrow());
    }
    int picks = 12_000;
    Map<String, Integer> counts = picksPerHost(lb, picks);
    held.forEach(Pick::success);
    assertThat(counts.keySet()).containsExactlyInAnyOrder("s1", "s3", "s4", "s6", "s8", "s9");
    // Expected 2,000 each; 5 binomial sigma = 5 * sqrt(12000 * 1/6 * 5/6) = 204.
    counts.forEach((host, n) -> assertThat((double) n).as(host).isCloseTo(2_000, within(204.0)));
  }

  @Test
  void largeFleetsAreSearchedInARandomOrderThatReachesEveryServer() {
    List<Server> fleet = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      fleet.add(Server.builder("127.0.0.1", 1 + i).id("s" + i).build());
    }
    LoadBalancer lb =
        LoadBalancer.builder().selector(Selectors.leastResponseTime()).servers(fleet).build();
    // Hold one pick on the first 100 servers: an idle server must win wherever the search starts.
    List<Pick> held = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      held.add(lb.pickServer("s" + i).orElseThrow());
    }
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 50_000; i++) {
      try (Pick p = lb.pick()) {
        counts.merge(p.server().id(), 1, Integer::sum);
      }
    }
    for (int i = 0; i < 100; i++) {
      assertThat(counts).as("busy s%d", i).doesNotContainKey("s" + i);
    }
    assertThat(counts).as("every idle server is reached").hasSize(900);
    held.forEach(Pick::close);
  }
}
