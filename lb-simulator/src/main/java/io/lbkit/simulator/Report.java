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
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Prints results as a table and writes them as CSV files. */
final class Report {
  private Report() {}

  static final String HEADER =
      "policy,seed,requests,success_rate,timeout_rate,error_rate,mean_ms,p50_ms,p99_ms,p999_ms,"
          + "max_ms,max_share,min_share,pick_rsd,ejections,probes_per_request";

  static final String SHARES_HEADER = "policy,server,share";

  static final String TIMELINE_HEADER =
      "policy,interval,start_s,end_s,requests,successes,timeouts,errors,failure_rate,p50_ms,"
          + "p99_ms,share_server0";

  /** The columns of the terminal table and the HTML one. */
  static final ImmutableList<String> TABLE_COLUMNS =
      ImmutableList.of(
          "policy",
          "success",
          "timeout",
          "error",
          "mean ms",
          "p50 ms",
          "p99 ms",
          "p99.9 ms",
          "max shr",
          "min shr",
          "pick rsd",
          "probes/rq");

  /** One result's cells under {@link #TABLE_COLUMNS}. */
  static ImmutableList<String> tableCells(Result r) {
    return ImmutableList.of(
        r.policy(),
        format("%.3f%%", 100 * r.successRate()),
        format("%.3f%%", 100 * r.timeoutRate()),
        format("%.3f%%", 100 * r.errorRate()),
        format("%.3f", r.meanMillis()),
        format("%.3f", r.p50Nanos() / 1e6),
        format("%.3f", r.p99Nanos() / 1e6),
        format("%.3f", r.p999Nanos() / 1e6),
        format("%.2f%%", 100 * maxShare(r)),
        format("%.2f%%", 100 * minShare(r)),
        format("%.3f%%", 100 * r.pickRsd()),
        format("%.2f", r.probesPerRequest()));
  }

  /** One scenario's results as an aligned table. */
  static void printTable(Scenario scenario, List<Result> results, PrintStream out) {
    out.println(scenario.name() + ": " + scenario.description());
    printRow(TABLE_COLUMNS, out);
    for (Result r : results) {
      printRow(tableCells(r), out);
    }
    out.println();
  }

  private static void printRow(List<String> cells, PrintStream out) {
    StringBuilder line = new StringBuilder(format("%-28s", cells.get(0)));
    for (int i = 1; i < cells.size(); i++) {
      line.append(format(" %9s", cells.get(i)));
    }
    out.println(line);
  }

  /**
   * Writes {@code <scenario>.csv} (one row per policy), {@code <scenario>-shares.csv} (one row per
   * policy and server) and {@code <scenario>-timeline.csv} (one row per policy and interval of the
   * timeline) into {@code dir}, creating it if needed.
   */
  static void writeCsv(Scenario scenario, List<Result> results, Path dir) throws IOException {
    Files.createDirectories(dir);
    StringBuilder summary = new StringBuilder(HEADER).append('\n');
    StringBuilder shares = new StringBuilder(SHARES_HEADER).append('\n');
    StringBuilder timeline = new StringBuilder(TIMELINE_HEADER).append('\n');
    for (Result r : results) {
      String policy = Csv.field(r.policy());
      summary.append(
          format(
              "%s,%d,%d,%.6f,%.6f,%.6f,%.4f,%.4f,%.4f,%.4f,%.4f,%.6f,%.6f,%.6f,%d,%.4f\n",
              policy,
              r.seed(),
              r.requests(),
              r.successRate(),
              r.timeoutRate(),
              r.errorRate(),
              r.meanMillis(),
              r.p50Nanos() / 1e6,
              r.p99Nanos() / 1e6,
              r.p999Nanos() / 1e6,
              r.maxNanos() / 1e6,
              maxShare(r),
              minShare(r),
              r.pickRsd(),
              r.ejections(),
              r.probesPerRequest()));
      for (int i = 0; i < r.shares().size(); i++) {
        shares.append(format("%s,%d,%.6f\n", policy, i, r.shares().get(i)));
      }
      for (int i = 0; i < r.timeline().size(); i++) {
        Slice s = r.timeline().get(i);
        timeline.append(
            format(
                "%s,%d,%.6f,%.6f,%d,%d,%d,%d,%.6f,%.4f,%.4f,%.6f\n",
                policy,
                i,
                s.startNanos() / 1e9,
                s.endNanos() / 1e9,
                s.requests(),
                s.successes(),
                s.timeouts(),
                s.errors(),
                s.failureRate(),
                s.p50Nanos() / 1e6,
                s.p99Nanos() / 1e6,
                s.picks().isEmpty() ? 0.0 : s.share(0)));
      }
    }
    write(dir.resolve(scenario.name() + ".csv"), summary);
    write(dir.resolve(scenario.name() + "-shares.csv"), shares);
    write(dir.resolve(scenario.name() + "-timeline.csv"), timeline);
  }

  private static void write(Path file, CharSequence text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  static double maxShare(Result r) {
    double max = 0;
    for (double s : r.shares()) {
      max = Math.max(max, s);
    }
    return max;
  }

  static double minShare(Result r) {
    double min = 1;
    for (double s : r.shares()) {
      min = Math.min(min, s);
    }
    return min;
  }

  private static String format(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
