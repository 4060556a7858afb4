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

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Runs simulator scenarios and prints a table per scenario and the quality goals; writes CSV files
 * and a self-contained HTML report with charts.
 *
 * <pre>
 * ./mvnw -B -q -Psimulate -pl lb-simulator -am -DskipTests package -Dsim.set="[options] S1 S3"
 *   --all               the default scenario set
 *   --long              the default set and the long set (longer runs, parameter sweeps)
 *   --seed=N            seed of the run (default 1)
 *   --policies=a,b,...  policies instead of the scenario's defaults ("all" for every one)
 *   --requests=N        requests per run instead of the scenario's (slow periods scale along)
 *   --out=DIR           where the CSV files and report.html go (default target/sim)
 *   --html=false        no HTML report
 * </pre>
 *
 * <p>Per scenario it writes {@code <S>.csv} (one row per policy), {@code <S>-shares.csv} (per
 * policy and server) and {@code <S>-timeline.csv} (per policy and interval); for the whole run
 * {@code goals.csv} and {@code goals.md} (the quality goals, the second as a Markdown table) and
 * {@code report.html}.
 */
public final class Simulate {
  private Simulate() {}

  /** Entry point; exits with status 2 on bad arguments. */
  public static void main(String[] args) throws IOException {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    try {
      run(ImmutableList.copyOf(args), out);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }

  /** What the command line asked for. */
  record Options(
      long seed,
      ImmutableList<String> policies,
      int requests,
      Path dir,
      boolean html,
      ImmutableList<Scenario> scenarios) {}

  /**
   * Reads the command line.
   *
   * @throws IllegalArgumentException for a bad option, value or scenario
   */
  static Options parse(List<String> args) {
    long seed = 1;
    ImmutableList<String> policies = ImmutableList.of();
    int requests = 0;
    Path dir = Path.of("target", "sim");
    boolean html = true;
    // By name, so that a scenario named twice (or by --all and by name) runs once.
    Map<String, Scenario> scenarios = new LinkedHashMap<>();
    for (String arg : args) {
      if (arg.equals("--all")) {
        addAll(scenarios, ScenarioSets.names());
      } else if (arg.equals("--long")) {
        addAll(scenarios, ScenarioSets.names());
        addAll(scenarios, ScenarioSets.longNames());
      } else if (arg.startsWith("--seed=")) {
        seed = parseLong("--seed", value(arg));
      } else if (arg.startsWith("--policies=")) {
        policies =
            value(arg).equals("all")
                ? Policies.NAMES
                : ImmutableList.copyOf(
                    Splitter.on(',').trimResults().omitEmptyStrings().split(value(arg)));
        if (policies.isEmpty()) {
          throw new IllegalArgumentException("--policies names no policy");
        }
      } else if (arg.startsWith("--requests=")) {
        long n = parseLong("--requests", value(arg));
        if (n < 1 || n > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("--requests must be a positive int: " + n);
        }
        requests = (int) n;
      } else if (arg.startsWith("--out=")) {
        if (value(arg).isEmpty()) {
          throw new IllegalArgumentException("--out needs a directory");
        }
        dir = Path.of(value(arg));
      } else if (arg.startsWith("--html=")) {
        html = parseBoolean("--html", value(arg));
      } else if (arg.startsWith("-")) {
        throw new IllegalArgumentException(
            "unknown option '"
                + arg
                + "'; options: --all --long --seed=N --policies=a,b --requests=N --out=DIR"
                + " --html=false");
      } else {
        Optional<Scenario> s = ScenarioSets.byName(arg);
        if (s.isEmpty()) {
          throw new IllegalArgumentException(
              "unknown scenario '"
                  + arg
                  + "'; scenarios: "
                  + ScenarioSets.names()
                  + ", long: "
                  + ScenarioSets.longNames());
        }
        scenarios.putIfAbsent(s.get().name(), s.get());
      }
    }
    if (scenarios.isEmpty()) {
      throw new IllegalArgumentException(
          "name at least one scenario, or --all or --long: " + ScenarioSets.names());
    }
    for (String policy : policies) {
      // Fails now, rather than after the first scenarios ran for minutes.
      // By its selector: suffixes (+od, +decay=1s) are checked as the policy is parsed.
      if (!Policies.isKnown(PolicySpec.parse(policy).selector())) {
        throw new IllegalArgumentException(
            "unknown policy '" + policy + "'; known: " + String.join(", ", Policies.NAMES));
      }
    }
    return new Options(
        seed, policies, requests, dir, html, ImmutableList.copyOf(scenarios.values()));
  }

  /**
   * Runs the scenarios named in {@code args} with the options there, prints the tables and the
   * goals to {@code out}, writes the files and returns all results.
   *
   * @throws IllegalArgumentException for a bad option, scenario or policy
   */
  static ImmutableList<Result> run(List<String> args, PrintStream out) throws IOException {
    Options o = parse(args);
    ImmutableList.Builder<Result> all = ImmutableList.builder();
    List<ScenarioResults> runs = new ArrayList<>();
    for (Scenario base : o.scenarios()) {
      Scenario scenario = o.requests() > 0 ? base.withRequests(o.requests()) : base;
      ImmutableList.Builder<Result> results = ImmutableList.builder();
      for (String policy : o.policies().isEmpty() ? scenario.policies() : o.policies()) {
        results.add(Simulation.run(scenario, policy, o.seed()));
      }
      ScenarioResults run = ScenarioResults.of(scenario, results.build());
      Report.printTable(scenario, run.results(), out);
      Report.writeCsv(scenario, run.results(), o.dir());
      runs.add(run);
      all.addAll(run.results());
    }
    ImmutableList<Result> results = all.build();
    ImmutableList<Goal> goals = Goals.evaluate(results);
    Goals.printTable(goals, out);
    if (o.requests() > 0) {
      out.println("(Every run was shortened to " + o.requests() + " requests; the goals were set");
      out.println(" for the full runs.)");
      out.println();
    }
    Goals.write(goals, o.dir());
    out.println("CSV files and goals.md in " + o.dir().toAbsolutePath());
    if (o.html()) {
      Path page = HtmlReport.write(runs, goals, settings(o), o.dir());
      out.println("HTML report: " + page.toAbsolutePath());
    }
    return results;
  }

  private static String settings(Options o) {
    StringBuilder s = new StringBuilder("Seed ").append(o.seed());
    if (o.requests() > 0) {
      s.append(", every run shortened to ")
          .append(o.requests())
          .append(" requests (the goals were set for the full runs)");
    }
    if (!o.policies().isEmpty()) {
      s.append(", policies: ").append(String.join(", ", o.policies()));
    }
    return s.append(". Times are simulated; latency is what the client saw.").toString();
  }

  private static void addAll(Map<String, Scenario> scenarios, List<String> names) {
    for (String name : names) {
      Scenario s =
          ScenarioSets.byName(name)
              .orElseThrow(() -> new IllegalStateException("listed but unknown: " + name));
      scenarios.putIfAbsent(s.name(), s);
    }
  }

  private static String value(String arg) {
    return arg.substring(arg.indexOf('=') + 1);
  }

  private static long parseLong(String option, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " needs a whole number: '" + value + "'", e);
    }
  }

  private static boolean parseBoolean(String option, String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(option + " is true or false: '" + value + "'");
    };
  }
}
