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
import io.lbkit.simulator.Goal.Status;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The goals of least response time as the default: it recovers from one slow reply and from a cold
 * restart (S8, S9), keeps a server that stays slow away (S8's counterpart), gives a server that
 * holds long streams its fair share (S10), spreads picks evenly on equal servers (S0), and is never
 * much worse in the tail than least connections in any scenario. Shares are read from the results'
 * timelines, over the whole intervals that fall in a window.
 */
final class RecoveryGoals {
  private RecoveryGoals() {}

  static final String LRT = Goals.LATENCY_AWARE;

  /** The most least response time's p99.9 may exceed least connections' in any scenario. */
  static final double TAIL_MARGIN = 0.05;

  /** S0's pick spread bound for least response time. */
  static final double S0_SPREAD = 0.02;

  private static final long SECOND = 1_000_000_000L;

  /** How long a recovering server has to reach half its fair share. */
  static final long RECOVERY_NANOS = 2 * SECOND;

  /** How far S10's server 0 may be from its fair share, relative to it. */
  static final double S10_MARGIN = 0.20;

  /** The window its share is then measured over. */
  static final long WINDOW_NANOS = 2 * SECOND;

  static void evaluate(
      Map<String, Map<String, Result>> byScenario, ImmutableList.Builder<Goal> out) {
    out.add(s0Spread(byScenario.getOrDefault("S0", Map.of())));
    out.add(tail(byScenario));
    for (String s : List.of("S8", "S8-N10")) {
      out.add(
          recovered(
              s,
              byScenario.getOrDefault(s, Map.of()),
              LRT,
              RecoveryScenarios.RECOVERY_AT_NANOS,
              "after one 100 ms reply at 5 s"));
    }
    for (String s : List.of("S8-slow", "S8-slow-N10")) {
      out.add(keptAway(s, byScenario.getOrDefault(s, Map.of())));
    }
    long back = RecoveryScenarios.RECOVERY_AT_NANOS + RecoveryScenarios.S9_AWAY_NANOS;
    out.add(
        recovered(
            "S9",
            byScenario.getOrDefault("S9", Map.of()),
            LRT,
            back,
            "after coming back cold at 10 s (slow start off)"));
    out.add(ramp(byScenario.getOrDefault("S9", Map.of()), back));
    out.add(streams(byScenario.getOrDefault("S10", Map.of())));
  }

  /**
   * S10: server 0, which also holds 2 s streams, keeps its fair share of the requests within {@link
   * #S10_MARGIN}, measured once its streams have reached their steady number (from one stream life
   * on).
   */
  private static Goal streams(Map<String, Result> results) {
    String statement =
        format(
            "server 0, holding 2 s streams besides its requests, gets its fair share of the"
                + " requests within %.0f%% (%s)",
            100 * S10_MARGIN, LRT);
    Result r = results.get(LRT);
    if (r == null) {
      return skipped("S10", "S10", statement, results.isEmpty() ? "S10" : LRT);
    }
    double fair = 1.0 / r.shares().size();
    long from = RecoveryScenarios.S10_STREAM_NANOS;
    double share = share(r, from, Long.MAX_VALUE);
    return new Goal(
        "S10",
        "S10",
        statement,
        Math.abs(share / fair - 1) <= S10_MARGIN ? Status.MET : Status.NOT_MET,
        format(
            "%s: server 0 share %.1f%% from %.0f s on (fair %.1f%%)%s",
            LRT, 100 * share, from / 1e9, 100 * fair, others(results, LRT, from)));
  }

  private static Goal s0Spread(Map<String, Result> s0) {
    String id = "S0/" + LRT;
    String statement =
        format(
            "relative standard deviation of per-server counts <= %.0f%% for %s (spread)",
            100 * S0_SPREAD, LRT);
    Result r = s0.get(LRT);
    if (r == null) {
      return skipped(id, "S0", statement, s0.isEmpty() ? "S0" : LRT);
    }
    return new Goal(
        id,
        "S0",
        statement,
        r.pickRsd() <= S0_SPREAD ? Status.MET : Status.NOT_MET,
        format("%s: %.3f%% over %d servers", LRT, 100 * r.pickRsd(), r.shares().size()));
  }

  /** Least response time's p99.9 against least connections' in every scenario that ran both. */
  private static Goal tail(Map<String, Map<String, Result>> byScenario) {
    String statement =
        format(
            "p99.9 of %s at most %.0f%% above least_connections' in every scenario",
            LRT, 100 * TAIL_MARGIN);
    @Nullable String worst = null;
    @Nullable Result worstLrt = null;
    @Nullable Result worstLc = null;
    double worstRatio = 0;
    int compared = 0;
    int missed = 0;
    for (Map.Entry<String, Map<String, Result>> e : byScenario.entrySet()) {
      Result lrt = e.getValue().get(LRT);
      Result lc = e.getValue().get("least_connections");
      if (lrt == null || lc == null) {
        continue;
      }
      compared++;
      double ratio = lc.p999Nanos() == 0 ? 1.0 : (double) lrt.p999Nanos() / lc.p999Nanos();
      if (ratio > 1 + TAIL_MARGIN) {
        missed++;
      }
      if (worst == null || ratio > worstRatio) {
        worst = e.getKey();
        worstLrt = lrt;
        worstLc = lc;
        worstRatio = ratio;
      }
    }
    if (worst == null || worstLrt == null || worstLc == null) {
      return skipped("tail", "all", statement, "no scenario with both policies");
    }
    Result lrt = worstLrt;
    Result lc = worstLc;
    return new Goal(
        "tail",
        "all",
        statement,
        missed == 0 ? Status.MET : Status.NOT_MET,
        format(
            "%d scenarios compared, %d missed; worst %s: %.3f ms against %.3f ms (%+.1f%%)",
            compared,
            missed,
            worst,
            lrt.p999Nanos() / 1e6,
            lc.p999Nanos() / 1e6,
            100 * (worstRatio - 1)));
  }

  private static Goal recovered(
      String scenario, Map<String, Result> results, String policy, long event, String what) {
    String statement =
        format(
            "server 0 back to at least half its fair share within %.0f s %s (%s)",
            RECOVERY_NANOS / 1e9, what, policy);
    Result r = results.get(policy);
    if (r == null) {
      return skipped(scenario, scenario, statement, results.isEmpty() ? scenario : policy);
    }
    double fair = 1.0 / r.shares().size();
    long from = event + RECOVERY_NANOS;
    double share = share(r, from, from + WINDOW_NANOS);
    return new Goal(
        scenario,
        scenario,
        statement,
        share >= fair / 2 ? Status.MET : Status.NOT_MET,
        format(
            "%s: server 0 share %.1f%% from %.1f s to %.1f s (fair %.1f%%)%s",
            policy,
            100 * share,
            from / 1e9,
            (from + WINDOW_NANOS) / 1e9,
            100 * fair,
            others(results, policy, from)));
  }

  private static String others(Map<String, Result> results, String policy, long from) {
    StringBuilder sb = new StringBuilder();
    for (Result o : results.values()) {
      if (!o.policy().equals(policy) && !o.policy().endsWith("+ss")) {
        sb.append(sb.length() == 0 ? "; " : ", ")
            .append(o.policy())
            .append(format(" %.1f%%", 100 * share(o, from, from + WINDOW_NANOS)));
      }
    }
    return sb.toString();
  }

  private static Goal keptAway(String scenario, Map<String, Result> results) {
    String statement =
        format(
            "server 0, 10x slower from 5 s on, keeps at most a tenth of its fair share from 7 s on"
                + " (%s)",
            LRT);
    Result r = results.get(LRT);
    if (r == null) {
      return skipped(scenario, scenario, statement, results.isEmpty() ? scenario : LRT);
    }
    double fair = 1.0 / r.shares().size();
    long from = RecoveryScenarios.RECOVERY_AT_NANOS + RECOVERY_NANOS;
    double share = share(r, from, Long.MAX_VALUE);
    return new Goal(
        scenario,
        scenario,
        statement,
        share <= fair / 10 ? Status.MET : Status.NOT_MET,
        format(
            "%s: server 0 share %.2f%% from %.1f s on (a tenth of fair: %.2f%%)%s",
            LRT, 100 * share, from / 1e9, 10 * fair, others(results, LRT, from)));
  }

  /**
   * With slow start, S9's server is at low load given picks in proportion to its ramping weight
   * (the default ramp: linear over 10 s from 10%): its share over each half of the ramp must be
   * within half and one and a half times the share those weights give, and grow.
   */
  private static Goal ramp(Map<String, Result> results, long back) {
    String policy = LRT + "+ss";
    String statement =
        "with slow start, server 0's share in each half of the 10 s ramp within 0.5x-1.5x of its"
            + " weight's share ("
            + policy
            + ")";
    Result r = results.get(policy);
    if (r == null) {
      return skipped("S9/ss", "S9", statement, results.isEmpty() ? "S9" : policy);
    }
    int others = r.shares().size() - 1;
    // Mean of max(0.1, t / 10 s) over the first and the second 5 s.
    double[] meanFactor = {0.26, 0.75};
    boolean met = true;
    StringBuilder measured = new StringBuilder(policy + ": server 0 share");
    double previous = 0;
    for (int half = 0; half < 2; half++) {
      long from = back + half * 5L * SECOND;
      double share = share(r, from, from + 5 * SECOND);
      double expected = meanFactor[half] / (others + meanFactor[half]);
      met &= share >= 0.5 * expected && share <= 1.5 * expected && share > previous;
      previous = share;
      measured.append(
          format(
              "%s %.1f%% (weights give %.1f%%) from %.0f s",
              half == 0 ? "" : ",", 100 * share, 100 * expected, from / 1e9));
    }
    return new Goal(
        "S9/ss", "S9", statement, met ? Status.MET : Status.NOT_MET, measured.toString());
  }

  /** Server 0's share of the picks in the timeline intervals that lie within [from, to). */
  static double share(Result r, long from, long to) {
    long zero = 0;
    long all = 0;
    for (Slice s : r.timeline()) {
      if (s.startNanos() >= from && s.endNanos() <= to) {
        zero += s.picks().get(0);
        for (int p : s.picks()) {
          all += p;
        }
      }
    }
    return all == 0 ? 0 : (double) zero / all;
  }

  private static Goal skipped(String id, String scenario, String statement, String missing) {
    return new Goal(id, scenario, statement, Status.SKIPPED, missing + " was not run");
  }

  private static String format(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
