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
package io.lbkit.benchmarks.demo;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Formats the demo's results: the table rows, the legend under it, and the CSV copy. */
final class ResultTable {
  private static final String ROW = "%-22s %8s %7s %7s %7s %7s ";
  private static final String SHARE = " %11s";

  private final ImmutableList<String> roles;

  ResultTable(List<String> roles) {
    this.roles = ImmutableList.copyOf(roles);
  }

  String header() {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT, ROW, "algorithm", "requests", "errors", "p50 ms", "p90 ms", "p99 ms"));
    sb.append("|");
    for (String role : roles) {
      sb.append(String.format(Locale.ROOT, SHARE, role));
    }
    sb.append(" | time s");
    String head = sb.toString();
    return head + System.lineSeparator() + "-".repeat(head.length());
  }

  String row(DemoResult r) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                ROW,
                r.algorithm(),
                String.format(Locale.ROOT, "%,d", r.requests()),
                String.format(Locale.ROOT, "%,d", r.errors()),
                String.format(Locale.ROOT, "%.1f", r.p50Millis()),
                String.format(Locale.ROOT, "%.1f", r.p90Millis()),
                String.format(Locale.ROOT, "%.1f", r.p99Millis())));
    sb.append("|");
    for (String role : roles) {
      int ejections = r.ejections().getOrDefault(role, 0);
      String cell = String.format(Locale.ROOT, "%.1f%%", r.sharePercent(role));
      if (ejections > 0) {
        cell += " (" + ejections + "x)";
      }
      sb.append(String.format(Locale.ROOT, SHARE, cell));
    }
    sb.append(String.format(Locale.ROOT, " | %6.1f", r.elapsedNanos() / 1e9));
    return sb.toString();
  }

  /** What the columns mean, what to look for, and why the failed requests failed. */
  void printLegend(PrintStream out, List<DemoResult> results) {
    out.println(
        "Latency: every request at the client, end to end, failovers and failures included."
            + " Server columns: each server's share of");
    out.println(
        "the requests the servers received (retries and flaky's 500s included); (2x): ejected twice"
            + " by outlier detection.");
    out.println("Errors: requests that still failed after failover.");
    out.println(
        "Look for: the share of 'slow' and p90. Policies that watch load or latency (least"
            + " connections, power of two choices, least response");
    out.println(
        "time) give 'slow' less than its turn, so fewer requests wait 50 ms; p99 stays near 50 ms"
            + " while 'slow' still gets over 1%.");
    out.println(
        "Outlier detection keeps 'flaky' far below its turn. 'dies' gets less while down, its"
            + " requests fail over (errors stay near 0),");
    out.println(
        "and it is used again once back. Maglev keeps each user on one server, whatever the"
            + " load.");
    for (DemoResult r : results) {
      if (r.errorKinds().isEmpty()) {
        continue;
      }
      List<String> kinds = new ArrayList<>();
      for (Map.Entry<String, Integer> e : r.errorKinds().entrySet()) {
        kinds.add(e.getValue() + " x " + e.getKey());
      }
      out.println("Errors of " + r.algorithm() + ": " + String.join("; ", kinds));
    }
  }

  /** Writes the results as CSV, creating the directory; returns the file. */
  Path writeCsv(Path file, List<DemoResult> results) throws IOException {
    List<String> lines = new ArrayList<>();
    StringBuilder head = new StringBuilder("algorithm,requests,ok,errors,p50_ms,p90_ms,p99_ms");
    for (String role : roles) {
      head.append(',').append(role).append("_received");
    }
    for (String role : roles) {
      head.append(',').append(role).append("_share_pct");
    }
    for (String role : roles) {
      head.append(',').append(role).append("_ejections");
    }
    lines.add(head.append(",seconds").toString());
    for (DemoResult r : results) {
      StringBuilder line =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "%s,%d,%d,%d,%.3f,%.3f,%.3f",
                  r.algorithm(),
                  r.requests(),
                  r.ok(),
                  r.errors(),
                  r.p50Millis(),
                  r.p90Millis(),
                  r.p99Millis()));
      for (String role : roles) {
        line.append(',').append(r.received().getOrDefault(role, 0L));
      }
      for (String role : roles) {
        line.append(String.format(Locale.ROOT, ",%.2f", r.sharePercent(role)));
      }
      for (String role : roles) {
        line.append(',').append(r.ejections().getOrDefault(role, 0));
      }
      lines.add(
          line.append(String.format(Locale.ROOT, ",%.3f", r.elapsedNanos() / 1e9)).toString());
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
    return file;
  }
}
