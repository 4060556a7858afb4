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

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Selectors#leastResponseTime()}'s slow-server back-off, on a balancer driven by a fake
 * ticker: sequential requests every 4 ms, each one picked, given its server's latency on the
 * ticker, and completed.
 */
class LeastResponseTimeBackoffTest {
  private static final long MS = 1_000_000L;

  private final FakeTicker ticker = new FakeTicker(Duration.ofDays(3).toNanos());

  private LoadBalancer balancer(String... hosts) {
    List<Server> servers = new ArrayList<>();
    for (String h : hosts) {
      servers.add(Server.of(h, 80));
    }
    return LoadBalancer.builder()
        .selector(Selectors.leastResponseTime())
        .ticker(ticker)
        .servers(servers)
        .build();
  }

  /** One request 4 ms after the last: pick, wait the server's latency, complete. */
  private String request(LoadBalancer lb, Map<String, Long> latencyNanos) {
    ticker.advance(Duration.ofMillis(4));
    Pick p = lb.pick();
    String host = p.server().host();
    Long latency = latencyNanos.get(host);
    if (latency == null) {
      throw new AssertionError("no latency given for " + host);
    }
    ticker.advanceNanos(latency);
    p.success();
    return host;
  }

  /**
   * Requests for {@code duration} of fake time; returns the times at which {@code host} was picked.
   */
  private List<Long> run(
      LoadBalancer lb, Map<String, Long> latency, Duration duration, String host) {
    List<Long> picks = new ArrayList<>();
    long end = ticker.read() + duration.toNanos();
    while (ticker.read() < end) {
      long at = ticker.read();
      if (request(lb, latency).equals(host)) {
        picks.add(at);
      }
    }
    return picks;
  }

  private static List<Long> gaps(List<Long> times) {
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < times.size(); i++) {
      gaps.add(times.get(i) - times.get(i - 1));
    }
    return gaps;
  }

  @Test
  void serverSlowOnEveryTrialIsTriedLessAndLessOften() {
    LoadBalancer lb = balancer("a", "b", "c");
    Map<String, Long> latency = Map.of("a", 10 * MS, "b", 1 * MS, "c", 1 * MS);
    run(lb, latency, Duration.ofSeconds(1), "a");
    List<Long> trials = run(lb, latency, Duration.ofSeconds(60), "a");
    List<Long> gaps = gaps(trials);
    assertThat(gaps).hasSizeGreaterThan(8);
    // Without a back-off every trial of a comes about 1.6 decay times (0.8 s) after the last: its
    // estimate climbs to 6 ms and decays back to the 2 ms band at the same pace each time. With
    // it, once a has been slow on more than three trials in a row its estimate decays more
    // slowly with each trial, up to 4 times: the last gaps are several times the first.
    long first = gaps.get(0);
    long late = gaps.get(gaps.size() - 1);
    assertThat(late).as("gaps between trials %s", gaps).isGreaterThan(first * 5 / 2);
    assertThat(late).as("gaps between trials %s", gaps).isGreaterThan(2_400 * MS);
    // Never longer than the slowest decay allows (4 x 1.6 x 500 ms, with a margin).
    assertThat(late).isLessThan(5_000 * MS);
  }

  @Test
  void serverThatRecoversAfterStayingSlowGetsItsShareBackAndForgetsItsBackoff() {
    LoadBalancer lb = balancer("a", "b", "c");
    Map<String, Long> latency = new HashMap<>(Map.of("a", 10 * MS, "b", 1 * MS, "c", 1 * MS));
    // Slow for a minute: its back-off is at the top.
    run(lb, latency, Duration.ofSeconds(60), "a");
    latency.put("a", 1 * MS);
    long recoveredAt = ticker.read();
    List<Long> picks = run(lb, latency, Duration.ofSeconds(20), "a");
    assertThat(picks).isNotEmpty();
    // Tried within the longest hold-off, then picked as often as the others.
    long back = picks.get(0) - recoveredAt;
    assertThat(back).isLessThan(5_000 * MS);
    long from = picks.get(0) + 1_000 * MS;
    long to = from + 2_000 * MS;
    long share = picks.stream().filter(t -> t >= from && t < to).count();
    // Two seconds of requests every 5 ms: 400, a third of them 133.
    assertThat(share).isGreaterThan(400 / 6);

    // Back to normal, its back-off is gone: one slow reply costs it its share for about a decay
    // time again, not for eight.
    latency.put("a", 100 * MS);
    while (!request(lb, latency).equals("a")) {
      // until a takes the slow reply
    }
    latency.put("a", 1 * MS);
    long slowAt = ticker.read();
    List<Long> after = run(lb, latency, Duration.ofSeconds(4), "a");
    assertThat(after).isNotEmpty();
    assertThat(after.get(0) - slowAt).isLessThan(2_000 * MS);
  }

  @Test
  void oneSlowReplyAndAColdStartsFirstAnswersAreNotBackedOff() {
    LoadBalancer lb = balancer("a", "b", "c");
    Map<String, Long> latency = new HashMap<>(Map.of("a", 1 * MS, "b", 1 * MS, "c", 1 * MS));
    run(lb, latency, Duration.ofSeconds(2), "a");
    // Three slow replies in a row (a restarted server's first answers): each trial request comes as
    // soon as without a back-off, within two decay times of the last.
    latency.put("a", 180 * MS);
    List<Long> slow = new ArrayList<>();
    while (slow.size() < 3) {
      long at = ticker.read();
      if (request(lb, latency).equals("a")) {
        slow.add(at);
      }
    }
    latency.put("a", 1 * MS);
    long lastSlow = ticker.read();
    List<Long> after = run(lb, latency, Duration.ofSeconds(4), "a");
    for (long gap : gaps(slow)) {
      assertThat(gap).isLessThan(1_200 * MS);
    }
    assertThat(after).isNotEmpty();
    assertThat(after.get(0) - lastSlow).isLessThan(1_200 * MS);
  }

  @Test
  void largeFleetsShareIdlePicksByWeight() {
    List<Server> fleet = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      fleet.add(Server.builder("127.0.0.1", 1 + i).id("s" + i).weight(i < 100 ? 1 : 3).build());
    }
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .ticker(ticker)
            .servers(fleet)
            .build();
    long light = 0;
    long heavy = 0;
    for (int i = 0; i < 40_000; i++) {
      ticker.advance(Duration.ofMillis(1));
      try (Pick p = lb.pick()) {
        ticker.advance(Duration.ofMillis(1));
        if (Integer.parseInt(p.server().id().substring(1)) < 100) {
          light++;
        } else {
          heavy++;
        }
      }
    }
    // Weights 1 and 3: three times as many picks of the heavy half (10,000 and 30,000).
    assertThat((double) heavy / light).isBetween(2.7, 3.3);
  }

  @Test
  void largeFleetsKeepASlowServerAway() {
    List<Server> fleet = new ArrayList<>();
    Map<String, Long> latency = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      fleet.add(Server.builder("h" + i, 80).build());
      latency.put("h" + i, i == 0 ? 10 * MS : 1 * MS);
    }
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .ticker(ticker)
            .servers(fleet)
            .build();
    run(lb, latency, Duration.ofSeconds(5), "h0");
    List<Long> slow = run(lb, latency, Duration.ofSeconds(20), "h0");
    // 4,000 requests, a fair share 40: it keeps at most a fifth of it (trials every few seconds).
    assertThat(slow.size()).isLessThanOrEqualTo(8);
  }
}
