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

import com.google.common.collect.ImmutableList;
import java.util.Locale;

/**
 * The definitions of the named scenarios S0 to S7 (the recovery scenarios S8 to S10 are in {@link
 * RecoveryScenarios}, the default and long sets and the lookup by name in {@link ScenarioSets}).
 */
final class Scenarios {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;

  private Scenarios() {}

  /**
   * S0, spread: 100 identical single-slot servers, exponential service with mean 1 ms, Poisson
   * arrivals at load 0.5, one client, 1,000,000 picks. What counts is the relative standard
   * deviation of the per-server pick counts ({@link Result#pickRsd()}): round robin gives about 0,
   * random about 1% (sqrt(n / picks) = sqrt(100 / 1,000,000)), and the goal is at most 1% for the
   * round-robin-like and power-of-two policies.
   */
  static Scenario s0() {
    return Scenario.builder(
            "S0", "spread: 100 equal servers, 1 slot, exponential mean 1 ms, load 0.5, 1M picks")
        .servers(100)
        .concurrency(1)
        .serviceTime(ServiceTime.exponential(MS))
        .rate(0.5 * 100 * 1000)
        .requests(1_000_000, 0)
        .policies(
            "round_robin",
            "weighted_round_robin",
            "random",
            "least_connections",
            "power_of_two_choices",
            "least_response_time")
        .build();
  }

  /**
   * S1, Linkerd's "beyond round robin" (2016): 11 servers that never queue, service time normal
   * with median 167 ms and sd 5 ms, one client at 1000 requests/s (Poisson) for 60 s, one server
   * taking 2 s per request from 15 s to 45 s, and a 1 s timeout.
   */
  static Scenario s1() {
    return Scenario.builder(
            "S1",
            "Linkerd beyond-round-robin: 11 servers, normal 167 ms sd 5 ms, 1000 req/s, 60 s,"
                + " one server at 2 s from 15 s to 45 s, 1 s timeout")
        .servers(11)
        .concurrency(Integer.MAX_VALUE)
        .serviceTime(ServiceTime.normal(167 * MS, 5 * MS))
        .rate(1000)
        .requests(60_000, 0)
        .timeout(SECOND)
        .slowdown(new Slowdown(0, 15 * SECOND, 45 * SECOND, 2000.0 / 167.0))
        .policies(
            "round_robin",
            "random",
            "least_connections",
            "power_of_two_choices",
            "least_response_time",
            "least_response_time+od",
            "jsq_oracle",
            "clairvoyant_oracle")
        .build();
  }

  /**
   * S2, cold start and slow middle (after Finagle's simulator): 10 servers with 4 slots each,
   * exponential service with mean 10 ms (so 4000 requests/s of capacity), one client at 1250
   * requests/s for 45 s, a 1 s timeout. Server 0 is cold: 5x slower for the first 10 s (80
   * requests/s of capacity against its 125 of an even share, so an even share overloads it). Server
   * 1 is 10x slower from 15 s to 45 s (40 requests/s). The per-server load deviation is {@link
   * Result#pickRsd()}; the shares show how much each slow server still got.
   */
  static Scenario s2() {
    return Scenario.builder(
            "S2",
            "cold start and slow middle: 10 servers x 4 slots, exponential 10 ms, 1250 req/s, 45 s,"
                + " server 0 5x slower for 10 s, server 1 10x slower 15-45 s, 1 s timeout")
        .servers(10)
        .concurrency(4)
        .serviceTime(ServiceTime.exponential(10 * MS))
        .rate(1250)
        .requests(56_250, 0)
        .timeout(SECOND)
        .slowdown(new Slowdown(0, 0, 10 * SECOND, 5))
        .slowdown(new Slowdown(1, 15 * SECOND, 45 * SECOND, 10))
        .policies(
            "round_robin",
            "least_connections",
            "power_of_two_choices",
            "least_response_time",
            "jsq_oracle",
            "clairvoyant_oracle")
        .build();
  }

  /**
   * S3, queueing sanity: 100 single-slot servers, exponential service with mean 1 ms, Poisson
   * arrivals at load 0.9 (90 requests per ms), 200,000 requests of which the first 20,000 warm the
   * queues up. Random must give the M/M/1 mean time in system 1/(1 - 0.9) = 10 ms, power of two
   * choices the supermarket model's 2.61 ms (Mitzenmacher).
   */
  static Scenario s3() {
    return s3("S3", 100, 0.9, 200_000);
  }

  /**
   * S3 at {@code servers} servers and {@code load}: the supermarket model's mean times in system
   * for d = 2 are 1.63 (load 0.5), 1.92 (0.7), 2.61 (0.9), 3.21 (0.95), 5.43 (0.99), in units of
   * the mean service time, for large n; random gives 1/(1 - load). A tenth of the run warms up.
   * Random near load 1 converges slowly (an M/M/1 at 0.99 relaxes over about 40,000 service times),
   * so its figure at 0.99 needs the long runs of the long set and is still only indicative.
   */
  static Scenario s3(String name, int servers, double load, int requests) {
    return Scenario.builder(
            name,
            String.format(
                Locale.ROOT,
                "queueing sanity: %d servers, 1 slot, exponential mean 1 ms, load %.2f",
                servers,
                load))
        .servers(servers)
        .concurrency(1)
        .serviceTime(ServiceTime.exponential(MS))
        .rate(load * servers * 1000.0)
        .requests(requests, requests / 10)
        .policies(
            "random", "round_robin", "least_connections", "power_of_two_choices", "jsq_oracle")
        .build();
  }

  /**
   * S4, heterogeneity (the C3 paper's simulation): 50 servers with 4 slots, exponential service
   * with mean 4 ms, 150 clients; every 100 ms a fresh half of the servers serves at a sixth of the
   * rate (mu/6), and the arrival rate is 0.7 of the fleet's mean capacity (50 x 4 / 4 ms x (1/2 +
   * 1/12) = 29,167 requests/s, so 20,417 requests/s). 200,000 requests (about 10 s), the first
   * 20,000 warm up. The C3 paper's 2 ms network delay is not modelled. Besides lbkit's own-traffic
   * policies and the oracles it runs {@code p2c_feedback} (C3-style load feedback on responses) and
   * {@code p2c_probe} (fresh probes of the two candidates), to show which information closes the
   * gap to the oracles.
   */
  static Scenario s4() {
    return s4("S4", 100, 0.7, 200_000);
  }

  static Scenario s4(String name, long periodMillis, double utilisation, int requests) {
    Fluctuation flips = new Fluctuation(periodMillis * MS, 0.5, 6);
    int servers = 50;
    int slots = 4;
    long mean = 4 * MS;
    double fullCapacity = servers * slots * (SECOND / (double) mean);
    return Scenario.builder(
            name,
            String.format(
                Locale.ROOT,
                "heterogeneity (C3): 50 servers x 4 slots, exponential 4 ms, 150 clients, half the"
                    + " servers at mu/6 flipping every %d ms, utilisation %.2f",
                periodMillis,
                utilisation))
        .servers(servers)
        .concurrency(slots)
        .serviceTime(ServiceTime.exponential(mean))
        .rate(utilisation * fullCapacity * flips.capacityFactor(servers))
        .requests(requests, requests / 10)
        .clients(150)
        .fluctuation(flips)
        .policies(
            "round_robin",
            "random",
            "least_connections",
            "power_of_two_choices",
            "least_response_time",
            "p2c_feedback",
            "p2c_probe",
            "probing",
            "jsq_oracle",
            "clairvoyant_oracle")
        .build();
  }

  /**
   * S5, overload ramp (after the Prequal paper's testbed): 20 servers with 8 slots, exponential
   * service with mean 10 ms, 20 clients, a 1 s deadline. As in Prequal, load is relative to the
   * servers' provisioned capacity (their quota), which is half of what an undisturbed server can do
   * (jobs burst above quota when their machine has room): 1.0x is 8,000 requests/s. A moving tenth
   * of the servers, drawn afresh every 3 s, is slowed 3x by antagonists, so the fleet's true
   * capacity is 2 x (0.9 + 0.1 / 3) = 1.87x. The load steps every 5 s through 0.75x, 1.03x, 1.2x,
   * 1.4x, 1.6x and 1.74x (true utilisation 0.40 to 0.93), 30 s in all.
   */
  static Scenario s5() {
    return s5("S5", 20);
  }

  /** The load factors of S5's ramp, one per 5 s step. */
  static final ImmutableList<Double> S5_STEPS = ImmutableList.of(0.75, 1.03, 1.2, 1.4, 1.6, 1.74);

  static Scenario s5(String name, int servers) {
    long mean = 10 * MS;
    int slots = 8;
    double quota = 0.5 * servers * slots * (SECOND / (double) mean);
    long step = 5 * SECOND;
    Scenario.Builder b =
        Scenario.builder(
                name,
                String.format(
                    Locale.ROOT,
                    "overload ramp (Prequal): %d servers x 8 slots, exponential 10 ms, %d clients,"
                        + " load 0.75x..1.74x of quota in 5 s steps, a moving 10%% of servers 3x"
                        + " slower, 1 s deadline",
                    servers,
                    servers))
            .servers(servers)
            .concurrency(slots)
            .serviceTime(ServiceTime.exponential(mean))
            .rate(quota)
            .clients(servers)
            .timeout(SECOND)
            .fluctuation(new Fluctuation(3 * SECOND, 0.1, 3));
    double offered = 0;
    for (int i = 0; i < S5_STEPS.size(); i++) {
      b.loadStep(new LoadStep(i * step, S5_STEPS.get(i)));
      offered += quota * S5_STEPS.get(i) * (step / (double) SECOND);
    }
    return b.requests((int) offered, 0)
        .policies(
            "weighted_round_robin",
            "random",
            "least_connections",
            "power_of_two_choices",
            "least_response_time",
            "probing",
            "jsq_oracle",
            "clairvoyant_oracle")
        .build();
  }

  private static Scenario.Builder s6Base(String name, String description) {
    return Scenario.builder(name, description)
        .servers(10)
        .concurrency(4)
        .serviceTime(ServiceTime.exponential(10 * MS))
        .rate(1000)
        .requests(30_000, 0)
        .timeout(SECOND);
  }

  private static final ImmutableList<String> S6_POLICIES =
      ImmutableList.of(
          "round_robin",
          "round_robin+od",
          "round_robin+hc",
          "least_connections",
          "power_of_two_choices",
          "power_of_two_choices+od",
          "least_response_time",
          "least_response_time+od",
          "probing",
          "probing+od",
          "jsq_oracle",
          "clairvoyant_oracle");

  /**
   * S6, fail-fast sinkhole, half: 10 servers with 4 slots, exponential service with mean 10 ms, one
   * client at 1000 requests/s for 30 s, a 1 s timeout; from 5 s on, server 0 answers half of its
   * requests with an error in 1 ms. The goals: server 0 never gets more than its 1/10 share, and
   * its errors fall below 1% of all requests within 5 s (i.e. by 10 s). The join-shortest-queue
   * oracle is no bound here: it counts queues only, and a server that fails fast always has the
   * shortest queue (the sinkhole); the clairvoyant oracle knows about the errors and avoids them.
   */
  static Scenario s6() {
    return s6Base(
            "S6",
            "fail-fast sinkhole: 10 servers x 4 slots, exponential 10 ms, 1000 req/s, 30 s,"
                + " server 0 answers 50% of requests with an error in 1 ms from 5 s on")
        .errorBurst(new ErrorBurst(0, 5 * SECOND, Long.MAX_VALUE, 0.5, MS))
        .policies(S6_POLICIES)
        .build();
  }

  /** S6b: as {@link #s6()}, but server 0 answers every request with an error from 5 s on. */
  static Scenario s6b() {
    return s6Base(
            "S6b",
            "fail-fast sinkhole: 10 servers x 4 slots, exponential 10 ms, 1000 req/s, 30 s,"
                + " server 0 answers every request with an error in 1 ms from 5 s on")
        .errorBurst(new ErrorBurst(0, 5 * SECOND, Long.MAX_VALUE, 1.0, MS))
        .policies(S6_POLICIES)
        .build();
  }

  /**
   * S6c: as {@link #s6()} without errors; instead server 0 freezes (a GC-style pause) for 3 s from
   * 10 s: its running and queued requests wait, those older than 1 s time out.
   */
  static Scenario s6c() {
    return s6Base(
            "S6c",
            "freeze: 10 servers x 4 slots, exponential 10 ms, 1000 req/s, 30 s,"
                + " server 0 frozen from 10 s to 13 s, 1 s timeout")
        .freeze(new Freeze(0, 10 * SECOND, 13 * SECOND))
        .policies(S6_POLICIES)
        .build();
  }

  /**
   * S6d: as {@link #s6()} without errors; instead server 0 joins at 10 s, cold: 5x slower for its
   * first 10 s. Slow start ({@code +ss}, a 10 s linear ramp) should keep it from being flooded.
   */
  static Scenario s6d() {
    return s6Base(
            "S6d",
            "cold join: 10 servers x 4 slots, exponential 10 ms, 1000 req/s, 30 s,"
                + " server 0 joins at 10 s 5x slower for 10 s")
        .join(new Join(0, 10 * SECOND))
        .slowdown(new Slowdown(0, 10 * SECOND, 20 * SECOND, 5))
        .policies(
            "round_robin",
            "round_robin+ss",
            "least_connections",
            "least_connections+ss",
            "power_of_two_choices",
            "power_of_two_choices+ss",
            "least_response_time",
            "least_response_time+ss",
            "jsq_oracle",
            "clairvoyant_oracle")
        .build();
  }

  /**
   * S7, herd: 20 servers with 4 slots, exponential service with mean 20 ms (4000 requests/s of
   * capacity), 50 independent clients sharing 3200 requests/s (load 0.8) for 30 s, a 2 s timeout.
   * The servers report their queue lengths to every client only every 200 ms: {@code herd_stale}
   * sends everything to the least loaded server by that stale report (and herds), {@code p2c_stale}
   * is lbkit's power of two choices over the same stale report, and the lbkit policies see only
   * each client's own traffic.
   */
  static Scenario s7() {
    return Scenario.builder(
            "S7",
            "herd: 20 servers x 4 slots, exponential 20 ms, 50 clients, load 0.8, 30 s,"
                + " queue lengths reported every 200 ms, 2 s timeout")
        .servers(20)
        .concurrency(4)
        .serviceTime(ServiceTime.exponential(20 * MS))
        .rate(3200)
        .requests(96_000, 9_600)
        .timeout(2 * SECOND)
        .clients(50)
        .reportInterval(200 * MS)
        .policies(
            "random",
            "round_robin",
            "least_connections",
            "power_of_two_choices",
            "least_response_time",
            "probing",
            "herd_stale",
            "p2c_stale",
            "jsq_oracle")
        .build();
  }
}
