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
 * The definitions of the recovery scenarios: S8 (one slow reply), S8-slow (a server that stays
 * slow), S9 (a cold restart) and S10 (long streams), and the times {@link RecoveryGoals} judges
 * them by.
 */
final class RecoveryScenarios {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;

  private RecoveryScenarios() {}

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

  private static Scenario.Builder recoveryBase(
      String name, String description, int servers, int seconds) {
    return Scenario.builder(name, description)
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
  static Scenario s9() {
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
  static Scenario s10() {
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
}
