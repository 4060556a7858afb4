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

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The probing selector ({@link Selectors#probing(ProbingConfig)}) through a real balancer on a fake
 * ticker, with a fake transport: how many probes it sends and to whom, the hot-cold rule, the RIF
 * bump and reuse budget, ageing, the fallback to power of two choices, sinkholes, ineligible
 * servers and per-balancer state.
 */
class ProbingSelectorTest {
  private static final long MS = 1_000_000L;

  private final FakeTicker ticker = FakeTicker.awayFromZero();

  /** A transport that keeps every probe pending until the test answers it. */
  private static final class PendingTransport implements ProbeTransport {
    final List<String> probed = new ArrayList<>();
    final List<CompletableFuture<LoadReport>> answers = new ArrayList<>();
    final List<Endpoint> endpoints = new ArrayList<>();

    @Override
    public CompletableFuture<LoadReport> probe(Endpoint endpoint) {
      CompletableFuture<LoadReport> f = new CompletableFuture<>();
      probed.add(endpoint.server().id());
      endpoints.add(endpoint);
      answers.add(f);
      return f;
    }
  }

  private LoadBalancer balancer(ProbingConfig config, int servers, ProbeTransport transport) {
    LoadBalancerBuilder b =
        LoadBalancer.builder()
            .selector(Selectors.probing(config))
            .servers(servers(servers))
            .random(new SplittableRandom(7));
    if (transport != null) {
      b.probeTransport(transport);
    }
    return ticker.build(b);
  }

  private LoadBalancer balancer(ProbingConfig config, int servers) {
    return ticker.build(
        LoadBalancer.builder()
            .selector(Selectors.probing(config))
            .servers(servers(servers))
            .random(new SplittableRandom(7)));
  }

  private static List<Server> servers(int n) {
    List<Server> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(Server.of(n <= 26 ? String.valueOf((char) ('a' + i)) : "h" + i, 80));
    }
    return list;
  }

  private static Endpoint endpoint(LoadBalancer lb, String host) {
    for (Endpoint e : lb.eligibleEndpoints()) {
      if (e.server().host().equals(host)) {
        return e;
      }
    }
    throw new AssertionError("no endpoint " + host);
  }

  private static void report(LoadBalancer lb, String host, int rif, long latencyNanos) {
    lb.reportLoad(endpoint(lb, host), LoadReport.of(rif, latencyNanos));
  }

  /**
   * Probes go to distinct servers, drawn without replacement, at the default (three) and at other
   * rates; a request never probes one server twice, and over many requests every server is probed
   * about equally.
   */
  @ParameterizedTest(name = "{0} probes per request, {1} servers")
  @CsvSource({"2, 10", "3, 2", "3, 3", "3, 10", "3, 20", "5, 10", "16, 10", "16, 66", "16, 100"})
  void eachRequestProbesTheConfiguredNumberOfDistinctServers(int probes, int servers) {
    PendingTransport transport = new PendingTransport();
    ProbingConfig config =
        ProbingConfig.builder().probesPerRequest(probes).maxProbeRatePerServer(1_000_000).build();
    int requests = 1000;
    try (LoadBalancer lb = balancer(config, servers, transport)) {
      for (int i = 0; i < requests; i++) {
        int before = transport.probed.size();
        lb.pick().success();
        List<String> sent = transport.probed.subList(before, transport.probed.size());
        assertThat(sent).hasSize(Math.min(probes, servers)).doesNotHaveDuplicates();
        ticker.advance(Duration.ofMillis(1));
      }
      // Drawn at random: every server is probed, about equally (binomial, within 5 sigma).
      Map<String, Integer> counts = new HashMap<>();
      transport.probed.forEach(id -> counts.merge(id, 1, Integer::sum));
      assertThat(counts).hasSize(servers);
      double p = Math.min(probes, servers) / (double) servers;
      double mean = requests * p;
      double sigma = Math.sqrt(requests * p * (1 - p));
      assertThat(counts.values())
          .allSatisfy(c -> assertThat((double) c).isBetween(mean - 5 * sigma, mean + 5 * sigma));
    }
  }

  @Test
  void theDefaultsProbeThreeServersPerRequest() {
    PendingTransport transport = new PendingTransport();
    try (LoadBalancer lb = balancer(ProbingConfig.defaults(), 10, transport)) {
      lb.pick().success();
      assertThat(transport.probed).hasSize(3).doesNotHaveDuplicates();
    }
  }

  @Test
  void aFractionalRateSendsThatManyProbesOnAverage() {
    PendingTransport transport = new PendingTransport();
    ProbingConfig config =
        ProbingConfig.builder().probesPerRequest(0.5).maxProbeRatePerServer(1_000_000).build();
    try (LoadBalancer lb = balancer(config, 10, transport)) {
      for (int i = 0; i < 2000; i++) {
        lb.pick().success();
        ticker.advance(Duration.ofMillis(1));
      }
      // Binomial(2000, 0.5): mean 1000, standard deviation 22.
      assertThat(transport.probed.size()).isBetween(900, 1100);
    }
  }

  @Test
  void noServerIsProbedMoreOftenThanItsRate() {
    PendingTransport transport = new PendingTransport();
    ProbingConfig config =
        ProbingConfig.builder().probesPerRequest(3).maxProbeRatePerServer(10).build();
    int burst = ProbingConfig.PROBE_BURST;
    try (LoadBalancer lb = balancer(config, 3, transport)) {
      // A burst first: each server's next few probes may go out back to back.
      for (int i = 0; i < 100; i++) {
        lb.pick().success();
      }
      assertThat(transport.probed).hasSize(3 * burst);
      ticker.advance(Duration.ofMillis(99));
      for (int i = 0; i < 100; i++) {
        lb.pick().success();
      }
      assertThat(transport.probed).hasSize(3 * burst);
      ticker.advance(Duration.ofMillis(1));
      for (int i = 0; i < 100; i++) {
        lb.pick().success();
      }
      assertThat(transport.probed).hasSize(3 * burst + 3);
      // Then the rate: 10 a second each, however many requests ask.
      for (int ms = 0; ms < 10_000; ms++) {
        ticker.advance(Duration.ofMillis(1));
        lb.pick().success();
        lb.pick().success();
      }
      Map<String, Integer> counts = new HashMap<>();
      transport.probed.forEach(id -> counts.merge(id, 1, Integer::sum));
      assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(100, 100 + burst + 1));
    }
  }

  @Test
  void aBusyClientStillProbesEveryRequestWhileTheCapHolds() {
    // One balancer sending 3 servers 300 requests a second each (900 in all, 3 probes each, one to
    // every server): 900 probes a second per server, under the default cap of 1,000. A former
    // default (200 a second, a strict 5 ms spacing) sent about a fifth of them, and most picks fell
    // back.
    PendingTransport transport = new PendingTransport();
    int requests = 9_000; // 10 s
    long gapNanos = 1_000_000_000L / 900;
    try (LoadBalancer lb = balancer(ProbingConfig.defaults(), 3, transport)) {
      for (int i = 0; i < requests; i++) {
        lb.pick().success();
        ticker.advanceNanos(gapNanos);
      }
      assertThat(transport.probed.size()).isGreaterThan((int) (0.95 * 3 * requests));
    }
    // The same client with a cap of 100 a second per server: held to it over the same 10 s.
    PendingTransport capped = new PendingTransport();
    ProbingConfig config = ProbingConfig.builder().maxProbeRatePerServer(100).build();
    try (LoadBalancer lb = balancer(config, 3, capped)) {
      for (int i = 0; i < requests; i++) {
        lb.pick().success();
        ticker.advanceNanos(gapNanos);
      }
      Map<String, Integer> counts = new HashMap<>();
      capped.probed.forEach(id -> counts.merge(id, 1, Integer::sum));
      assertThat(counts.values())
          .allSatisfy(c -> assertThat(c).isBetween(990, 1000 + ProbingConfig.PROBE_BURST));
    }
  }

  @Test
  void picksTheColdServerOfLowestLatencyElseTheHotOneOfLowestRif() {
    ProbingConfig config = ProbingConfig.builder().hotQuantile(0.5).build();
    try (LoadBalancer lb = balancer(config, 4)) {
      // RIF samples 1, 2, 30, 40 twice: the median is 2, so c and d are hot.
      for (int round = 0; round < 2; round++) {
        report(lb, "a", 1, 10 * MS);
        report(lb, "b", 2, 2 * MS);
        report(lb, "c", 30, MS / 2);
        report(lb, "d", 40, MS / 4);
      }
      // The cold results are a and b: b is faster, though c and d are faster still.
      assertThat(lb.pick().server().host()).isEqualTo("b");
    }
    try (LoadBalancer lb = balancer(config, 4)) {
      for (int round = 0; round < 2; round++) {
        report(lb, "a", 0, 10 * MS);
        report(lb, "b", 0, 2 * MS);
        report(lb, "c", 30, MS / 2);
        report(lb, "d", 20, MS / 4);
      }
      // The median is 0: a and b are cold; b, the faster of them, wins.
      assertThat(lb.pick().server().host()).isEqualTo("b");
    }
  }

  /**
   * Among cold results the one of lowest latency times (RIF + 1) wins: a server's RIF is as fresh
   * as its report, its latency lags, so a queue that grows costs a server the pick before its
   * latency shows it.
   */
  @Test
  void coldResultsAreRankedByLatencyTimesRifPlusOne() {
    ProbingConfig config = ProbingConfig.builder().hotQuantile(0.9).build();
    try (LoadBalancer lb = balancer(config, 3)) {
      // RIF samples 0, 3 and 1: the 0.9 quantile is 3, so all three are cold (hot is above it).
      for (int round = 0; round < 3; round++) {
        report(lb, "a", 0, 3 * MS); // 3 ms x 1
        report(lb, "b", 3, MS); // 1 ms x 4: the lowest latency, and three requests queued
        report(lb, "c", 1, 2 * MS); // 2 ms x 2
      }
      assertThat(lb.pick().server().host()).isEqualTo("a");
    }
  }

  /**
   * A cold result's age counts as latency: an older result must promise a shorter wait than a newer
   * one by more than its age to win, since its server has changed since. Every RIF is 0, so every
   * result is cold; a reports 2 ms, then some time passes, then b and c report 4 ms and 6 ms. By
   * latency x (RIF + 1) alone a would always win (2 < 4); with its age it costs 2 ms + the gap.
   */
  @ParameterizedTest(name = "{0} ms later, {1} wins")
  @CsvSource({"5, b", "1, a"})
  void anOlderColdResultCountsItsAgeAsLatency(long gapMillis, String winner) {
    ProbingConfig config = ProbingConfig.builder().hotQuantile(0.9).build();
    try (LoadBalancer lb = balancer(config, 3)) {
      report(lb, "a", 0, 2 * MS);
      ticker.advance(Duration.ofMillis(gapMillis));
      report(lb, "b", 0, 4 * MS);
      report(lb, "c", 0, 6 * MS);
      assertThat(lb.pick().server().host()).isEqualTo(winner);
    }
  }

  @Test
  void everyRequestRoutedOnAResultRaisesItsRifUntilAnotherWins() {
    ProbingConfig config = ProbingConfig.builder().hotQuantile(0.5).maxReuse(8).build();
    try (LoadBalancer lb = balancer(config, 3)) {
      // Samples 0 x 4 and 5 x 4: the median is 0, so b (5) is hot and a (0) cold.
      for (int round = 0; round < 4; round++) {
        report(lb, "a", 0, 10 * MS);
        report(lb, "b", 5, MS);
      }
      List<String> picks = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        picks.add(lb.pick().server().host());
      }
      // a is cold for its first request, then hot with RIF 1, 2, 3, 4, still below b's 5; at 5
      // the tie goes to the first result scanned; at 6, b wins.
      assertThat(picks.subList(0, 5)).containsOnly("a");
      assertThat(picks.subList(5, 7)).contains("b");
    }
  }

  @Test
  void aResultIsUsedAtMostItsReuseBudget() {
    ProbingConfig config = ProbingConfig.builder().hotQuantile(0.5).maxReuse(5).build();
    try (LoadBalancer lb = balancer(config, 3)) {
      for (int round = 0; round < 4; round++) {
        report(lb, "a", 0, MS);
        report(lb, "b", 0, 2 * MS);
      }
      int budget = 5; // 2 results of 3 servers: no bound from the formula, so the cap
      List<String> picks = new ArrayList<>();
      for (int i = 0; i < 2 * budget + 12; i++) {
        picks.add(lb.pick().server().host()); // held: in flight to the end
      }
      // The two results serve their budgets; then the pool is empty and power of two choices
      // sends the next picks mostly to c, which has nothing in flight.
      assertThat(picks.subList(0, 2 * budget)).doesNotContain("c");
      assertThat(picks.subList(2 * budget, picks.size())).contains("c");
    }
    assertThat(ProbePool.reuseBudget(16, 50, 2, 8))
        .isCloseTo(2 / 0.36, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(ProbePool.reuseBudget(16, 1000, 4, 8)).isEqualTo(1.0);
    assertThat(ProbePool.reuseBudget(16, 20, 2, 8)).isEqualTo(8);
    assertThat(ProbePool.reuseBudget(16, 50, 2, 1)).isEqualTo(1);
  }

  @Test
  void withFewerThanTwoFreshResultsItPicksByPowerOfTwoChoices() {
    try (LoadBalancer lb = balancer(ProbingConfig.defaults(), 2)) {
      report(lb, "a", 0, MS); // one result only: a would win every hot-cold pick
      List<Pick> held = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        held.add(lb.pick());
      }
      // Power of two choices over in-flight counts keeps two servers within one of each other.
      long a = held.stream().filter(p -> p.server().host().equals("a")).count();
      assertThat(a).isBetween(9L, 11L);
    }
  }

  @Test
  void resultsAgeOut() {
    try (LoadBalancer lb = balancer(ProbingConfig.defaults(), 3)) {
      report(lb, "a", 0, MS);
      report(lb, "b", 0, 2 * MS);
      assertThat(lb.pick().server().host()).isEqualTo("a");
      ticker.advance(Duration.ofMillis(1001));
      List<Pick> held = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        held.add(lb.pick());
      }
      // Aged out: power of two choices spreads the held picks (a hot-cold pick would pick a or b).
      long c = held.stream().filter(p -> p.server().host().equals("c")).count();
      assertThat(c).isBetween(9L, 11L);
    }
  }

  @Test
  void probeAnswersFillThePoolAndLateOnesAreIgnored() {
    PendingTransport transport = new PendingTransport();
    ProbingConfig config =
        ProbingConfig.builder().probesPerRequest(3).maxProbeRatePerServer(1_000).build();
    try (LoadBalancer lb = balancer(config, 3, transport)) {
      lb.pick().success();
      assertThat(transport.probed).hasSize(3);
      ticker.advance(Duration.ofMillis(1001));
      // Answered after the maximum age: dropped, so picks stay with power of two choices.
      for (int i = 0; i < 3; i++) {
        String id = transport.probed.get(i);
        transport.answers.get(i).complete(LoadReport.of(0, id.equals("a:80") ? MS : 50 * MS));
      }
      List<Pick> held = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        held.add(lb.pick());
      }
      assertThat(held.stream().filter(p -> p.server().host().equals("a")).count())
          .isBetween(9L, 11L);
      held.forEach(Pick::success);
      // Answered in time: a, the fastest idle server, takes the next pick.
      int from = transport.answers.size();
      ticker.advance(Duration.ofMillis(2));
      lb.pick().success();
      for (int i = from; i < transport.answers.size(); i++) {
        String id = transport.probed.get(i);
        transport.answers.get(i).complete(LoadReport.of(0, id.equals("a:80") ? MS : 50 * MS));
      }
      assertThat(transport.answers.size() - from).isGreaterThanOrEqualTo(2);
      Set<String> answered = new HashSet<>(transport.probed.subList(from, transport.probed.size()));
      // The fastest server answered wins; b and c answered alike (the first scanned wins).
      String next = lb.pick().server().host();
      if (answered.contains("a:80")) {
        assertThat(next).isEqualTo("a");
      } else {
        assertThat(answered).contains(next + ":80");
      }
    }
  }

  @Test
  void aServerThatFailsFastWhileReportingNoLoadDoesNotAttractTraffic() {
    // Every probe is answered at once: a says it is idle and fast, b and c busier and slower.
    ProbeTransport transport =
        e ->
            CompletableFuture.completedFuture(
                e.server().host().equals("a")
                    ? LoadReport.of(0, MS / 10)
                    : LoadReport.of(3, 5 * MS));
    try (LoadBalancer lb = balancer(ProbingConfig.defaults(), 3, transport)) {
      int a = 0;
      for (int i = 0; i < 3000; i++) {
        Pick p = lb.pick();
        boolean isA = p.server().host().equals("a");
        if (isA) {
          p.failure(); // fails in no time
        } else {
          p.success();
        }
        if (i >= 1000 && isA) {
          a++;
        }
        ticker.advance(Duration.ofMillis(1));
      }
      // Fair share is 1/3 (667 of 2000); without the failure penalty a took almost every pick.
      assertThat(a).isLessThan(667);
    }
  }

  @Test
  void aServerTakenOutOfTheSnapshotIsNotPickedWhateverItReports() {
    try (LoadBalancer lb = balancer(ProbingConfig.defaults(), 3)) {
      report(lb, "a", 0, MS / 10);
      report(lb, "b", 4, 5 * MS);
      report(lb, "c", 4, 5 * MS);
      lb.setHealth("a:80", HealthState.UNHEALTHY);
      for (int i = 0; i < 50; i++) {
        assertThat(lb.pick().server().host()).isNotEqualTo("a");
      }
    }
  }

  @Test
  void theStateBelongsToEachBalancer() {
    Selector shared = Selectors.probing();
    try (LoadBalancer one =
            ticker.build(LoadBalancer.builder().selector(shared).servers(servers(2)));
        LoadBalancer two =
            ticker.build(LoadBalancer.builder().selector(shared).servers(servers(2)))) {
      report(one, "a", 0, MS);
      report(one, "b", 0, 9 * MS);
      assertThat(one.pick().server().host()).isEqualTo("a");
      // Two has no results: power of two choices spreads its held picks.
      List<Pick> held = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        held.add(two.pick());
      }
      assertThat(held.stream().filter(p -> p.server().host().equals("a")).count())
          .isBetween(4L, 6L);
    }
  }

  @Test
  void aTransportThatThrowsOrFailsNeverFailsAPick() {
    Function<Endpoint, CompletableFuture<LoadReport>> failing =
        e -> CompletableFuture.failedFuture(new IllegalStateException("refused"));
    try (LoadBalancer lb =
            balancer(
                ProbingConfig.defaults(),
                3,
                e -> {
                  throw new IllegalStateException("transport bug");
                });
        LoadBalancer lb2 = balancer(ProbingConfig.defaults(), 3, failing::apply)) {
      for (int i = 0; i < 10; i++) {
        assertThat(lb.pick().server()).isNotNull();
        assertThat(lb2.pick().server()).isNotNull();
        ticker.advance(Duration.ofMillis(10));
      }
    }
  }

  @Test
  void aPickHandleReportsTheLoadItsResponseCarried() {
    ProbeTap tap = ProbeTap.listening();
    try (LoadBalancer lb =
        LoadBalancer.builder()
            .selector(tap)
            .servers(List.of(Server.of("10.0.0.1", 80), Server.of("10.0.0.2", 80)))
            .build()) {
      Pick pick = lb.pick();
      lb.reportLoad(pick.endpoint(), LoadReport.of(7, Duration.ofMillis(3)));
      pick.success();

      assertThat(tap.received())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.serverId()).isEqualTo(pick.server().id());
                assertThat(r.report().requestsInFlight()).isEqualTo(7);
                assertThat(r.probed()).isFalse();
              });
    }
  }

  @Test
  @SuppressWarnings("NullAway") // the point: a null argument
  void rejectsBadArguments() {
    assertThatThrownBy(() -> Selectors.probing(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("config");
    try (LoadBalancer lb = balancer(ProbingConfig.defaults(), 2)) {
      Endpoint e = lb.eligibleEndpoints().get(0);
      assertThatThrownBy(() -> lb.reportLoad(e, null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("report");
      assertThatThrownBy(() -> lb.reportLoad(null, LoadReport.of(0, 0)))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("endpoint");
    }
    assertThat(Selectors.byName("probing").name()).isEqualTo("probing");
  }
}
