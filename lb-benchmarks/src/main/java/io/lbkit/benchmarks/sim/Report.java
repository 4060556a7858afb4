package io.lbkit.benchmarks.sim;

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
          + "max_ms,max_share,min_share";

  /** One scenario's results as an aligned table. */
  static void printTable(Scenario scenario, List<Result> results, PrintStream out) {
    out.println(scenario.name() + ": " + scenario.description());
    out.printf(
        Locale.ROOT,
        "%-28s %9s %9s %9s %9s %9s %9s %9s%n",
        "policy",
        "success",
        "timeout",
        "mean ms",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "max shr");
    for (Result r : results) {
      out.printf(
          Locale.ROOT,
          "%-28s %8.3f%% %8.3f%% %9.3f %9.3f %9.3f %9.3f %8.2f%%%n",
          r.policy(),
          100 * r.successRate(),
          100 * r.timeoutRate(),
          r.meanMillis(),
          r.p50Nanos() / 1e6,
          r.p99Nanos() / 1e6,
          r.p999Nanos() / 1e6,
          100 * maxShare(r));
    }
    out.println();
  }

  /**
   * Writes {@code <scenario>.csv} (one row per policy) and {@code <scenario>-shares.csv} (one row
   * per policy and server) into {@code dir}, creating it if needed.
   */
  static void writeCsv(Scenario scenario, List<Result> results, Path dir) throws IOException {
    Files.createDirectories(dir);
    StringBuilder summary = new StringBuilder(HEADER).append('\n');
    StringBuilder shares = new StringBuilder("policy,server,share\n");
    for (Result r : results) {
      summary.append(
          String.format(
              Locale.ROOT,
              "%s,%d,%d,%.6f,%.6f,%.6f,%.4f,%.4f,%.4f,%.4f,%.4f,%.6f,%.6f%n",
              r.policy(),
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
              minShare(r)));
      for (int i = 0; i < r.shares().size(); i++) {
        shares.append(String.format(Locale.ROOT, "%s,%d,%.6f%n", r.policy(), i, r.shares().get(i)));
      }
    }
    Files.writeString(
        dir.resolve(scenario.name() + ".csv"), summary.toString(), StandardCharsets.UTF_8);
    Files.writeString(
        dir.resolve(scenario.name() + "-shares.csv"), shares.toString(), StandardCharsets.UTF_8);
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
}
