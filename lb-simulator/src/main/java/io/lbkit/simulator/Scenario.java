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

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One simulated setup: the servers, the offered load and the disturbances. Arrivals are Poisson at
 * {@code ratePerSecond} (times the current {@link LoadStep}'s factor, if any), spread uniformly at
 * random over {@code clients} clients (each with its own balancer); the run offers {@code requests}
 * requests and measures all but the first {@code warmupRequests}.
 *
 * <p>Convention: where a scenario disturbs one server (slow, failing, frozen, joining), it is
 * server index 0, so that reports can show "the disturbed server" without knowing the scenario.
 *
 * <p>Health features are not part of a scenario but of the policy: a policy name may carry the
 * suffixes {@code +od} (outlier detection) and {@code +ss} (slow start), see {@link PolicySpec}.
 *
 * @param name short name (S1, S3)
 * @param description one line for the table
 * @param servers number of servers
 * @param concurrency parallel slots per server; {@link Integer#MAX_VALUE} for no queueing at all
 * @param serviceTime the base service-time distribution
 * @param ratePerSecond Poisson arrival rate, in requests per simulated second
 * @param requests requests offered in the run
 * @param warmupRequests the first requests, left out of the statistics (the queues start empty)
 * @param timeoutNanos the client's deadline, or 0 for none
 * @param clients number of clients, each with its own balancer
 * @param slowdowns slow periods of servers
 * @param policies the policies {@link Simulate} runs by default
 * @param errorBursts periods in which a server answers a fraction of requests with fast errors
 * @param freezes stop-the-world pauses of servers
 * @param joins servers that join during the run (absent before)
 * @param fluctuations moving sets of slow servers
 * @param loadSteps a load ramp: arrival-rate factors from given times on (empty: constant rate)
 * @param reportIntervalNanos how often servers report their queue lengths to the clients, for the
 *     policies that balance on such stale global information ({@code herd_stale}, {@code
 *     p2c_stale})
 * @param slowReplies a server's few slow answers (a GC pause, a cold restart)
 * @param leaves servers that leave for a while and come back with fresh statistics
 * @param longStreams long streams pinned to a server besides the balanced requests
 */
public record Scenario(
    String name,
    String description,
    int servers,
    int concurrency,
    ServiceTime serviceTime,
    double ratePerSecond,
    int requests,
    int warmupRequests,
    long timeoutNanos,
    int clients,
    ImmutableList<Slowdown> slowdowns,
    ImmutableList<String> policies,
    ImmutableList<ErrorBurst> errorBursts,
    ImmutableList<Freeze> freezes,
    ImmutableList<Join> joins,
    ImmutableList<Fluctuation> fluctuations,
    ImmutableList<LoadStep> loadSteps,
    long reportIntervalNanos,
    ImmutableList<SlowReplies> slowReplies,
    ImmutableList<Leave> leaves,
    ImmutableList<LongStreams> longStreams) {

  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;
  private static final long DEFAULT_REPORT_INTERVAL = 100 * MS;

  /** Checks the arguments. */
  public Scenario {
    checkArgument(servers >= 1, "servers must be at least 1");
    checkArgument(concurrency >= 1, "concurrency must be at least 1");
    checkArgument(ratePerSecond > 0 && Double.isFinite(ratePerSecond), "bad rate");
    checkArgument(requests >= 1, "requests must be at least 1");
    checkArgument(warmupRequests >= 0 && warmupRequests < requests, "bad warmup");
    checkArgument(timeoutNanos >= 0, "timeout must be at least 0");
    checkArgument(clients >= 1, "clients must be at least 1");
    checkArgument(reportIntervalNanos > 0, "report interval must be positive");
    for (Slowdown s : slowdowns) {
      checkArgument(s.server() < servers, "slowdown of server %s out of range", s.server());
    }
    for (ErrorBurst e : errorBursts) {
      checkArgument(e.server() < servers, "error burst of server %s out of range", e.server());
    }
    Set<Integer> joining = new HashSet<>();
    for (Join j : joins) {
      checkArgument(j.server() < servers, "join of server %s out of range", j.server());
      checkArgument(joining.add(j.server()), "server %s joins twice", j.server());
    }
    checkArgument(joining.size() < servers, "at least one server must be there from the start");
    for (Freeze f : freezes) {
      checkArgument(f.server() < servers, "freeze of server %s out of range", f.server());
    }
    List<Freeze> sorted = new ArrayList<>(freezes);
    sorted.sort((a, b) -> Long.compare(a.fromNanos(), b.fromNanos()));
    for (int server = 0; server < servers; server++) {
      long lastEnd = Long.MIN_VALUE;
      for (Freeze f : sorted) {
        if (f.server() == server) {
          checkArgument(f.fromNanos() >= lastEnd, "freezes of server %s overlap", server);
          lastEnd = f.toNanos();
        }
      }
    }
    for (SlowReplies r : slowReplies) {
      checkArgument(r.server() < servers, "slow replies of server %s out of range", r.server());
    }
    for (Leave l : leaves) {
      checkArgument(l.server() < servers, "leave of server %s out of range", l.server());
    }
    for (LongStreams l : longStreams) {
      checkArgument(l.server() < servers, "streams of server %s out of range", l.server());
    }
    long lastStep = -1;
    for (LoadStep step : loadSteps) {
      checkArgument(step.fromNanos() > lastStep, "load steps must be in increasing time order");
      lastStep = step.fromNanos();
    }
  }

  /**
   * A scenario without the disturbances added later (error bursts, freezes, joins, fluctuations, a
   * load ramp), with the default report interval of 100 ms.
   */
  public Scenario(
      String name,
      String description,
      int servers,
      int concurrency,
      ServiceTime serviceTime,
      double ratePerSecond,
      int requests,
      int warmupRequests,
      long timeoutNanos,
      int clients,
      ImmutableList<Slowdown> slowdowns,
      ImmutableList<String> policies) {
    this(
        name,
        description,
        servers,
        concurrency,
        serviceTime,
        ratePerSecond,
        requests,
        warmupRequests,
        timeoutNanos,
        clients,
        slowdowns,
        policies,
        ImmutableList.of(),
        ImmutableList.of(),
        ImmutableList.of(),
        ImmutableList.of(),
        ImmutableList.of(),
        DEFAULT_REPORT_INTERVAL,
        ImmutableList.of(),
        ImmutableList.of(),
        ImmutableList.of());
  }

  /**
   * S0, spread: 100 identical single-slot servers, exponential service with mean 1 ms, Poisson
   * arrivals at load 0.5, one client, 1,000,000 picks. What counts is the relative standard
   * deviation of the per-server pick counts ({@link Result#pickRsd()}): round robin gives about 0,
   * random about 1% (sqrt(n / picks) = sqrt(100 / 1,000,000)), and the goal is at most 1% for the
   * round-robin-like and power-of-two policies.
   */
  public static Scenario s0() {
    return builder(
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
  public static Scenario s1() {
    return builder(
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
  public static Scenario s2() {
    return builder(
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
  public static Scenario s3() {
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
    return builder(
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
  public static Scenario s4() {
    return s4("S4", 100, 0.7, 200_000);
  }

  static Scenario s4(String name, long periodMillis, double utilisation, int requests) {
    Fluctuation flips = new Fluctuation(periodMillis * MS, 0.5, 6);
    int servers = 50;
    int slots = 4;
    long mean = 4 * MS;
    double fullCapacity = servers * slots * (SECOND / (double) mean);
    return builder(
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
  public static Scenario s5() {
    return s5("S5", 20);
  }

  /** The load factors of S5's ramp, one per 5 s step. */
  static final ImmutableList<Double> S5_STEPS = ImmutableList.of(0.75, 1.03, 1.2, 1.4, 1.6, 1.74);

  static Scenario s5(String name, int servers) {
    long mean = 10 * MS;
    int slots = 8;
    double quota = 0.5 * servers * slots * (SECOND / (double) mean);
    long step = 5 * SECOND;
    Builder b =
        builder(
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

  private static Builder s6Base(String name, String description) {
    return builder(name, description)
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
  public static Scenario s6() {
    return s6Base(
            "S6",
            "fail-fast sinkhole: 10 servers x 4 slots, exponential 10 ms, 1000 req/s, 30 s,"
                + " server 0 answers 50% of requests with an error in 1 ms from 5 s on")
        .errorBurst(new ErrorBurst(0, 5 * SECOND, Long.MAX_VALUE, 0.5, MS))
        .policies(S6_POLICIES)
        .build();
  }

  /** S6b: as {@link #s6()}, but server 0 answers every request with an error from 5 s on. */
  public static Scenario s6b() {
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
  public static Scenario s6c() {
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
  public static Scenario s6d() {
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
  public static Scenario s7() {
    return builder(
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

  /** The policies of the recovery scenarios S8 and S9. */
  private static final ImmutableList<String> RECOVERY_POLICIES =
      ImmutableList.of(
          "round_robin",
          "least_connections",
          "power_of_two_choices",
          "peak_ewma",
          "least_response_time",
          "least_response_time+decay=10s");

  /** When S8's slow reply comes, and when S9's server leaves. */
  static final long RECOVERY_AT_NANOS = 5 * SECOND;

  /** How long S9's server is away. */
  static final long S9_AWAY_NANOS = 5 * SECOND;

  private static Builder recoveryBase(String name, String description, int servers, int seconds) {
    return builder(name, description)
        .servers(servers)
        .concurrency(4)
        .serviceTime(ServiceTime.exponential(MS))
        .rate(200)
        .requests(200 * seconds, 0)
        .timeout(SECOND);
  }

  /**
   * S8, one slow reply: {@code servers} equal servers with 4 slots, exponential service with mean 1
   * ms, one client at 200 requests/s for 20 s, a 1 s timeout; at 5 s one reply of server 0 takes
   * 100 ms, then it answers normally again. The goal: server 0 is back to at least half its fair
   * share within 2 s.
   */
  static Scenario s8(String name, int servers) {
    return recoveryBase(
            name,
            String.format(
                Locale.ROOT,
                "one slow reply: %d servers x 4 slots, exponential 1 ms, 200 req/s, 20 s,"
                    + " one 100 ms reply of server 0 at 5 s",
                servers),
            servers,
            20)
        .slowReplies(new SlowReplies(0, RECOVERY_AT_NANOS, 1, 100 * MS))
        .policies(RECOVERY_POLICIES)
        .build();
  }

  /**
   * S8's counterpart: as {@link #s8}, but from 5 s on server 0 stays 10x slower. The goal: it keeps
   * at most a tenth of its fair share from 2 s after the change.
   */
  static Scenario s8Slow(String name, int servers) {
    return recoveryBase(
            name,
            String.format(
                Locale.ROOT,
                "stays slow: %d servers x 4 slots, exponential 1 ms, 200 req/s, 20 s,"
                    + " server 0 10x slower from 5 s on",
                servers),
            servers,
            20)
        .slowdown(new Slowdown(0, RECOVERY_AT_NANOS, Long.MAX_VALUE, 10))
        .policies(RECOVERY_POLICIES)
        .build();
  }

  /**
   * S9, cold restart: 3 equal servers with 4 slots, exponential service with mean 1 ms, one client
   * at 200 requests/s for 25 s, a 1 s timeout; server 0 leaves at 5 s (removed from the balancer)
   * and comes back at 10 s with fresh statistics, answering its first 3 requests in 180 ms each (a
   * restarted JVM), then normally. The goals: without slow start it has at least half its fair
   * share within 2 s of coming back; with slow start ({@code +ss}) its share follows the ramp.
   */
  public static Scenario s9() {
    long back = RECOVERY_AT_NANOS + S9_AWAY_NANOS;
    return recoveryBase(
            "S9",
            "cold restart: 3 servers x 4 slots, exponential 1 ms, 200 req/s, 25 s, server 0 away"
                + " from 5 s to 10 s, its first 3 replies back take 180 ms",
            3,
            25)
        .leave(new Leave(0, RECOVERY_AT_NANOS, back))
        .slowReplies(new SlowReplies(0, back, 3, 180 * MS))
        .policies(
            ImmutableList.<String>builder()
                .addAll(RECOVERY_POLICIES)
                .add("least_connections+ss", "least_response_time+ss")
                .build())
        .build();
  }

  /** How long S10's streams stay open. */
  static final long S10_STREAM_NANOS = 2 * SECOND;

  /**
   * S10, long streams: 3 equal servers with 4 slots, exponential service with mean 1 ms, one client
   * at 200 requests/s for 20 s, a 1 s timeout; server 0 also carries streams, about 5% of its calls
   * (with a third of the requests, 5/95 of a third per request), each answering its first response
   * like a request and then staying open for 2 s. Every server is equally fast to first response.
   * The goal: server 0's share of the requests stays within 20% of fair.
   */
  public static Scenario s10() {
    return recoveryBase(
            "S10",
            "long streams: 3 servers x 4 slots, exponential 1 ms, 200 req/s, 20 s, server 0 also"
                + " holds 2 s streams (5% of its calls)",
            3,
            20)
        .longStreams(new LongStreams(0, 0.05 / 0.95 / 3, S10_STREAM_NANOS))
        .policies(RECOVERY_POLICIES)
        .build();
  }

  private static final double[] S3_LOADS = {0.5, 0.7, 0.9, 0.95, 0.99};
  private static final long[] S4_PERIODS = {10, 100, 500};
  private static final double[] S4_UTILISATIONS = {0.45, 0.7, 0.9};

  /** The built-in scenario of this name (case-insensitive), if any. */
  public static Optional<Scenario> byName(String name) {
    String key = name.toUpperCase(Locale.ROOT);
    Scenario named =
        switch (key) {
          case "S0" -> s0();
          case "S1" -> s1();
          case "S2" -> s2();
          case "S3" -> s3();
          case "S4" -> s4();
          case "S5" -> s5();
          case "S6" -> s6();
          case "S6B" -> s6b();
          case "S6C" -> s6c();
          case "S6D" -> s6d();
          case "S7" -> s7();
          case "S8" -> s8("S8", 3);
          case "S8-N10" -> s8("S8-N10", 10);
          case "S8-SLOW" -> s8Slow("S8-slow", 3);
          case "S8-SLOW-N10" -> s8Slow("S8-slow-N10", 10);
          case "S9" -> s9();
          case "S10" -> s10();
          case "S5-N100" -> s5("S5-N100", 100);
          case "S4-SWEEP" -> probingSweep(s4(), "S4-sweep");
          case "S7-SWEEP" -> probingSweep(s7(), "S7-sweep");
          case "S5-SWEEP" -> probingSweep(s5(), "S5-sweep");
          default -> null;
        };
    if (named != null) {
      return Optional.of(named);
    }
    for (int n : new int[] {100, 1000}) {
      for (double load : S3_LOADS) {
        String s3 = s3Name(n, load);
        if (s3.toUpperCase(Locale.ROOT).equals(key)) {
          // About 10,000 service times per server, more at n = 100 where that is cheap.
          return Optional.of(s3(s3, n, load, n == 100 ? 2_000_000 : 4_000_000));
        }
      }
    }
    for (long t : S4_PERIODS) {
      for (double u : S4_UTILISATIONS) {
        String s4 = s4Name(t, u);
        if (s4.toUpperCase(Locale.ROOT).equals(key)) {
          return Optional.of(s4(s4, t, u, 600_000));
        }
      }
    }
    return Optional.empty();
  }

  private static String s3Name(int servers, double load) {
    return String.format(Locale.ROOT, "S3-N%d-L%.2f", servers, load);
  }

  private static String s4Name(long periodMillis, double utilisation) {
    return String.format(Locale.ROOT, "S4-T%d-U%02d", periodMillis, Math.round(utilisation * 100));
  }

  /** The default set: the scenarios {@link Simulate} runs for {@code --all}, in minutes. */
  public static ImmutableList<String> names() {
    return ImmutableList.of(
        "S0",
        "S1",
        "S2",
        "S3",
        "S4",
        "S5",
        "S6",
        "S6b",
        "S6c",
        "S6d",
        "S7",
        "S8",
        "S8-N10",
        "S8-slow",
        "S8-slow-N10",
        "S9",
        "S10");
  }

  /**
   * The long set: longer or larger variants that {@link #byName} also knows, run for {@code --long}
   * (the full parameter sweeps, for a quiet machine and more time): S3 at 100 and 1000 servers and
   * loads 0.5 to 0.99, S4's nine cells of flip period and utilisation (three times longer than the
   * default cell), and S5 at 100 servers and 100 clients as in Prequal's testbed.
   */
  public static ImmutableList<String> longNames() {
    ImmutableList.Builder<String> names = ImmutableList.builder();
    for (int n : new int[] {100, 1000}) {
      for (double load : S3_LOADS) {
        names.add(s3Name(n, load));
      }
    }
    for (long t : S4_PERIODS) {
      for (double u : S4_UTILISATIONS) {
        names.add(s4Name(t, u));
      }
    }
    names.add("S5-N100");
    names.add("S4-sweep", "S5-sweep", "S7-sweep");
    return names.build();
  }

  /** The hot-cold quantiles of the probing sweep. */
  static final ImmutableList<Double> SWEEP_QUANTILES = ImmutableList.of(0.6, 0.7, 0.8, 0.9);

  /** The probes per request of the probing sweep. */
  static final ImmutableList<Double> SWEEP_PROBES = ImmutableList.of(0.5, 1.0, 2.0, 3.0);

  /**
   * The probing selector's sweep on a scenario (long set): every hot-cold quantile of {@link
   * #SWEEP_QUANTILES} with every rate of {@link #SWEEP_PROBES}, as policies {@code
   * probing/q=Q/r=R}, beside least connections and the clairvoyant oracle; the defaults are judged
   * against it.
   */
  static Scenario probingSweep(Scenario base, String name) {
    ImmutableList.Builder<String> policies = ImmutableList.builder();
    policies.add("least_connections", "probing");
    for (double q : SWEEP_QUANTILES) {
      for (double r : SWEEP_PROBES) {
        policies.add(String.format(Locale.ROOT, "probing/q=%.1f/r=%.1f", q, r));
      }
    }
    if (base.policies().contains("clairvoyant_oracle")) {
      policies.add("clairvoyant_oracle");
    }
    if (base.policies().contains("weighted_round_robin")) {
      policies.add("weighted_round_robin");
    }
    return new Scenario(
        name,
        base.description() + "; the probing sweep (quantile x probes per request)",
        base.servers(),
        base.concurrency(),
        base.serviceTime(),
        base.ratePerSecond(),
        base.requests(),
        base.warmupRequests(),
        base.timeoutNanos(),
        base.clients(),
        base.slowdowns(),
        policies.build(),
        base.errorBursts(),
        base.freezes(),
        base.joins(),
        base.fluctuations(),
        base.loadSteps(),
        base.reportIntervalNanos(),
        base.slowReplies(),
        base.leaves(),
        base.longStreams());
  }

  /**
   * This scenario with another number of requests, the warm-up scaled in proportion and every time
   * (slow periods, error bursts, freezes, joins, load steps) scaled to the run's new length, so
   * that a shortened scenario keeps its shape. Periods of fluctuation and the report interval stay.
   */
  public Scenario withRequests(int newRequests) {
    double f = (double) newRequests / requests;
    ImmutableList.Builder<Slowdown> slow = ImmutableList.builder();
    for (Slowdown s : slowdowns) {
      slow.add(
          new Slowdown(s.server(), scale(s.fromNanos(), f), scale(s.toNanos(), f), s.multiplier()));
    }
    ImmutableList.Builder<ErrorBurst> err = ImmutableList.builder();
    for (ErrorBurst e : errorBursts) {
      err.add(
          new ErrorBurst(
              e.server(),
              scale(e.fromNanos(), f),
              scale(e.toNanos(), f),
              e.fraction(),
              e.latencyNanos()));
    }
    ImmutableList.Builder<Freeze> frz = ImmutableList.builder();
    for (Freeze z : freezes) {
      frz.add(new Freeze(z.server(), scale(z.fromNanos(), f), scale(z.toNanos(), f)));
    }
    ImmutableList.Builder<Join> jn = ImmutableList.builder();
    for (Join j : joins) {
      jn.add(new Join(j.server(), scale(j.atNanos(), f)));
    }
    ImmutableList.Builder<LoadStep> steps = ImmutableList.builder();
    for (LoadStep s : loadSteps) {
      steps.add(new LoadStep(scale(s.fromNanos(), f), s.factor()));
    }
    ImmutableList.Builder<SlowReplies> slow2 = ImmutableList.builder();
    for (SlowReplies r : slowReplies) {
      slow2.add(new SlowReplies(r.server(), scale(r.fromNanos(), f), r.count(), r.latencyNanos()));
    }
    ImmutableList.Builder<Leave> left = ImmutableList.builder();
    for (Leave l : leaves) {
      left.add(new Leave(l.server(), scale(l.fromNanos(), f), scale(l.toNanos(), f)));
    }
    return new Scenario(
        name,
        description,
        servers,
        concurrency,
        serviceTime,
        ratePerSecond,
        newRequests,
        (int) (warmupRequests * f),
        timeoutNanos,
        clients,
        slow.build(),
        policies,
        err.build(),
        frz.build(),
        jn.build(),
        fluctuations,
        steps.build(),
        reportIntervalNanos,
        slow2.build(),
        left.build(),
        longStreams);
  }

  /** Scales a time, keeping "forever" (Long.MAX_VALUE) as it is. */
  private static long scale(long nanos, double f) {
    return nanos == Long.MAX_VALUE ? nanos : Math.round(nanos * f);
  }

  static Builder builder(String name, String description) {
    return new Builder(name, description);
  }

  /** Collects a scenario's settings; defaults: one slot, one client, no timeout. */
  static final class Builder {
    private final String name;
    private final String description;
    private int servers = 1;
    private int concurrency = 1;
    private ServiceTime serviceTime = ServiceTime.exponential(MS);
    private double rate = 1000;
    private int requests = 1000;
    private int warmup;
    private long timeout;
    private int clients = 1;
    private long reportInterval = DEFAULT_REPORT_INTERVAL;
    private final ImmutableList.Builder<Slowdown> slowdowns = ImmutableList.builder();
    private final ImmutableList.Builder<ErrorBurst> errorBursts = ImmutableList.builder();
    private final ImmutableList.Builder<Freeze> freezes = ImmutableList.builder();
    private final ImmutableList.Builder<Join> joins = ImmutableList.builder();
    private final ImmutableList.Builder<Fluctuation> fluctuations = ImmutableList.builder();
    private final ImmutableList.Builder<LoadStep> loadSteps = ImmutableList.builder();
    private final ImmutableList.Builder<SlowReplies> slowReplies = ImmutableList.builder();
    private final ImmutableList.Builder<Leave> leaves = ImmutableList.builder();
    private final ImmutableList.Builder<LongStreams> longStreams = ImmutableList.builder();
    private ImmutableList<String> policies = ImmutableList.of();

    private Builder(String name, String description) {
      this.name = name;
      this.description = description;
    }

    @CanIgnoreReturnValue
    Builder servers(int n) {
      this.servers = n;
      return this;
    }

    @CanIgnoreReturnValue
    Builder concurrency(int slots) {
      this.concurrency = slots;
      return this;
    }

    @CanIgnoreReturnValue
    Builder serviceTime(ServiceTime t) {
      this.serviceTime = t;
      return this;
    }

    @CanIgnoreReturnValue
    Builder rate(double perSecond) {
      this.rate = perSecond;
      return this;
    }

    @CanIgnoreReturnValue
    Builder requests(int total, int warmupRequests) {
      this.requests = total;
      this.warmup = warmupRequests;
      return this;
    }

    @CanIgnoreReturnValue
    Builder timeout(long nanos) {
      this.timeout = nanos;
      return this;
    }

    @CanIgnoreReturnValue
    Builder clients(int n) {
      this.clients = n;
      return this;
    }

    @CanIgnoreReturnValue
    Builder reportInterval(long nanos) {
      this.reportInterval = nanos;
      return this;
    }

    @CanIgnoreReturnValue
    Builder slowdown(Slowdown s) {
      slowdowns.add(s);
      return this;
    }

    @CanIgnoreReturnValue
    Builder errorBurst(ErrorBurst e) {
      errorBursts.add(e);
      return this;
    }

    @CanIgnoreReturnValue
    Builder freeze(Freeze f) {
      freezes.add(f);
      return this;
    }

    @CanIgnoreReturnValue
    Builder join(Join j) {
      joins.add(j);
      return this;
    }

    @CanIgnoreReturnValue
    Builder fluctuation(Fluctuation f) {
      fluctuations.add(f);
      return this;
    }

    @CanIgnoreReturnValue
    Builder loadStep(LoadStep s) {
      loadSteps.add(s);
      return this;
    }

    @CanIgnoreReturnValue
    Builder slowReplies(SlowReplies r) {
      slowReplies.add(r);
      return this;
    }

    @CanIgnoreReturnValue
    Builder leave(Leave l) {
      leaves.add(l);
      return this;
    }

    @CanIgnoreReturnValue
    Builder longStreams(LongStreams l) {
      longStreams.add(l);
      return this;
    }

    @CanIgnoreReturnValue
    Builder policies(String... names) {
      this.policies = ImmutableList.copyOf(names);
      return this;
    }

    @CanIgnoreReturnValue
    Builder policies(ImmutableList<String> names) {
      this.policies = names;
      return this;
    }

    Scenario build() {
      return new Scenario(
          name,
          description,
          servers,
          concurrency,
          serviceTime,
          rate,
          requests,
          warmup,
          timeout,
          clients,
          slowdowns.build(),
          policies,
          errorBursts.build(),
          freezes.build(),
          joins.build(),
          fluctuations.build(),
          loadSteps.build(),
          reportInterval,
          slowReplies.build(),
          leaves.build(),
          longStreams.build());
    }
  }
}
