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
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The goals of the probing selector ({@code probing}, Prequal-style): S4's tail against least
 * connections and the clairvoyant oracle, S5's overload ramp, S6/S6b's fail-fast server, S7's herd,
 * and, in the long set, its defaults against the sweep of hot-cold quantile and probes per request.
 */
final class ProbingGoals {
  private ProbingGoals() {}

  static final String PROBING = Policies.PROBING;

  /** How much worse than the best cell of a sweep the defaults may be. */
  static final double SWEEP_MARGIN = 0.05;

  /** S7: the most any server's share may exceed its fair share (herding piles onto a few). */
  static final double HERD_SHARE = 1.25;

  static void evaluate(
      Map<String, Map<String, Result>> byScenario, ImmutableList.Builder<Goal> out) {
    out.add(s4(byScenario.getOrDefault("S4", Map.of())));
    out.add(s5(byScenario.getOrDefault("S5", Map.of())));
    out.add(fairShare("S6", byScenario.getOrDefault("S6", Map.of())));
    out.add(fairShare("S6b", byScenario.getOrDefault("S6b", Map.of())));
    out.add(s7(byScenario.getOrDefault("S7", Map.of())));
    for (String sweep : new String[] {"S4-sweep", "S5-sweep", "S7-sweep"}) {
      Map<String, Result> results = byScenario.get(sweep);
      if (results != null) {
        out.add(sweep(sweep, results));
      }
    }
  }

  private static Goal s4(Map<String, Result> s4) {
    String statement =
        "p99.9 of probing at least 2x better than least_connections and within 1.5x of"
            + " clairvoyant_oracle";
    Result p = s4.get(PROBING);
    Result lc = s4.get("least_connections");
    Result oracle = s4.get("clairvoyant_oracle");
    if (p == null || lc == null || oracle == null) {
      return skipped("S4/probing", "S4", statement, s4.isEmpty() ? "S4" : "a policy of the goal");
    }
    boolean met = 2 * p.p999Nanos() <= lc.p999Nanos() && p.p999Nanos() <= 1.5 * oracle.p999Nanos();
    return new Goal(
        "S4/probing",
        "S4",
        statement,
        met ? Status.MET : Status.NOT_MET,
        format(
            "p99.9 probing: %.1f ms (%.2f probes/request), least_connections: %.1f ms (%.2fx),"
                + " clairvoyant_oracle: %.1f ms (%.2fx)",
            p.p999Nanos() / 1e6,
            p.probesPerRequest(),
            lc.p999Nanos() / 1e6,
            (double) lc.p999Nanos() / p.p999Nanos(),
            oracle.p999Nanos() / 1e6,
            (double) p.p999Nanos() / oracle.p999Nanos()));
  }

  /** S5: probing's failures over the intervals where weighted round robin timed out. */
  private static Goal s5(Map<String, Result> s5) {
    String statement =
        "fewer than 0.1% timeouts and errors for probing at 1.03x-1.74x load, where"
            + " weighted_round_robin times out";
    Result wrr = s5.get("weighted_round_robin");
    Result p = s5.get(PROBING);
    if (wrr == null || p == null) {
      return skipped("S5/probing", "S5", statement, s5.isEmpty() ? "S5" : "a policy of the goal");
    }
    int first = -1;
    int last = -1;
    for (int i = 0; i < wrr.timeline().size(); i++) {
      if (wrr.timeline().get(i).timeouts() > 0) {
        first = first < 0 ? i : first;
        last = i;
      }
    }
    if (first < 0 || p.timeline().size() != wrr.timeline().size()) {
      return new Goal(
          "S5/probing",
          "S5",
          statement,
          Status.NOT_EVALUABLE,
          "weighted_round_robin never timed out, so no interval shows the overload range");
    }
    long requests = 0;
    long failed = 0;
    for (int i = first; i <= last; i++) {
      Slice s = p.timeline().get(i);
      requests += s.requests();
      failed += s.timeouts() + s.errors();
    }
    double rate = requests == 0 ? 0 : (double) failed / requests;
    return new Goal(
        "S5/probing",
        "S5",
        statement,
        rate < 0.001 ? Status.MET : Status.NOT_MET,
        format(
            "probing: %.3f%% failed from %.1f s to %.1f s (%.2f probes/request)",
            100 * rate,
            wrr.timeline().get(first).startNanos() / 1e9,
            wrr.timeline().get(last).endNanos() / 1e9,
            p.probesPerRequest()));
  }

  /**
   * S6, S6b: from the first failure on, probing never sends the failing server 0 more than its fair
   * share 1/n in an interval (beyond three standard deviations of chance).
   */
  private static Goal fairShare(String scenario, Map<String, Result> results) {
    String id = scenario + "/probing";
    String statement = "the failing server 0 never gets more than its 1/n share (probing)";
    Result p = results.get(PROBING);
    if (p == null) {
      return skipped(id, scenario, statement, results.isEmpty() ? scenario : PROBING);
    }
    long onset = Long.MAX_VALUE;
    for (Result r : results.values()) {
      for (Slice s : r.timeline()) {
        if (s.timeouts() + s.errors() > 0) {
          onset = Math.min(onset, s.startNanos());
          break;
        }
      }
    }
    double fair = 1.0 / p.shares().size();
    boolean met = true;
    double worst = 0;
    for (Slice s : p.timeline()) {
      int picks = s.picks().stream().mapToInt(Integer::intValue).sum();
      if (picks == 0 || s.startNanos() < onset) {
        continue;
      }
      worst = Math.max(worst, s.share(0));
      met &= s.share(0) <= fair + 3 * Math.sqrt(fair * (1 - fair) / picks);
    }
    return new Goal(
        id,
        scenario,
        statement,
        met ? Status.MET : Status.NOT_MET,
        format(
            "server 0: %.3f%% overall, at most %.3f%% in an interval from the first failure on"
                + " (1/n = %.1f%%); %.3f%% of requests failed",
            100 * p.shares().get(0),
            100 * worst,
            100 * fair,
            100 * (p.timeouts() + p.errors()) / (double) p.requests()));
  }

  /**
   * S7: 50 clients probing the same 20 servers do not herd: p99.9 no worse than least connections'
   * (which sees only each client's own traffic, and cannot herd) by more than the sweep margin, and
   * no server gets more than 1.25 times its fair share.
   */
  private static Goal s7(Map<String, Result> s7) {
    String statement =
        "no herding with 50 clients: probing's p99.9 at most 5% above least_connections' and no"
            + " server above 1.25x its fair share";
    Result p = s7.get(PROBING);
    Result lc = s7.get("least_connections");
    if (p == null || lc == null) {
      return skipped("S7/probing", "S7", statement, s7.isEmpty() ? "S7" : "a policy of the goal");
    }
    double max = p.shares().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double fair = 1.0 / p.shares().size();
    boolean met = p.p999Nanos() <= (1 + SWEEP_MARGIN) * lc.p999Nanos() && max <= HERD_SHARE * fair;
    return new Goal(
        "S7/probing",
        "S7",
        statement,
        met ? Status.MET : Status.NOT_MET,
        format(
            "p99.9 probing: %.1f ms, least_connections: %.1f ms; busiest server %.2f%% (fair %.1f%%)",
            p.p999Nanos() / 1e6, lc.p999Nanos() / 1e6, 100 * max, 100 * fair));
  }

  /** A sweep: the defaults' p99.9 within 5% of the sweep's best cell. */
  private static Goal sweep(String scenario, Map<String, Result> results) {
    String id = scenario + "/defaults";
    String statement = "probing's defaults within 5% of the best p99.9 of the sweep";
    Result defaults = results.get(PROBING);
    @Nullable Result best = null;
    for (Result r : results.values()) {
      if (r.policy().startsWith(PROBING + "/")
          && (best == null || r.p999Nanos() < best.p999Nanos())) {
        best = r;
      }
    }
    if (defaults == null || best == null) {
      return skipped(id, scenario, statement, "the sweep");
    }
    return new Goal(
        id,
        scenario,
        statement,
        defaults.p999Nanos() <= (1 + SWEEP_MARGIN) * best.p999Nanos() ? Status.MET : Status.NOT_MET,
        format(
            "defaults: %.1f ms; best: %s, %.1f ms",
            defaults.p999Nanos() / 1e6, best.policy(), best.p999Nanos() / 1e6));
  }

  private static Goal skipped(String id, String scenario, String statement, String missing) {
    return new Goal(id, scenario, statement, Status.SKIPPED, missing + " was not run");
  }

  private static String format(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
