package io.lbkit.benchmarks.sim;

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs simulator scenarios and prints a table per scenario; writes CSV files too.
 *
 * <pre>
 * java -cp lb-benchmarks/target/benchmarks.jar io.lbkit.benchmarks.sim.Simulate [options] S1 S3
 *   --seed=N            seed of the run (default 1)
 *   --policies=a,b,...  policies instead of the scenario's defaults ("all" for every one)
 *   --requests=N        requests per run instead of the scenario's (slow periods scale along)
 *   --out=DIR           where the CSV files go (default target/sim)
 * </pre>
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

  /**
   * Runs the scenarios named in {@code args} with the options there, prints the tables to {@code
   * out} and returns all results.
   *
   * @throws IllegalArgumentException for a bad option, scenario or policy
   */
  static ImmutableList<Result> run(List<String> args, PrintStream out) throws IOException {
    long seed = 1;
    List<String> policies = null;
    int requests = 0;
    Path dir = Path.of("target", "sim");
    List<Scenario> scenarios = new ArrayList<>();
    for (String arg : args) {
      if (arg.startsWith("--seed=")) {
        seed = Long.parseLong(value(arg));
      } else if (arg.startsWith("--policies=")) {
        policies =
            value(arg).equals("all")
                ? Policies.NAMES
                : Splitter.on(',').trimResults().omitEmptyStrings().splitToList(value(arg));
      } else if (arg.startsWith("--requests=")) {
        requests = Integer.parseInt(value(arg));
      } else if (arg.startsWith("--out=")) {
        dir = Path.of(value(arg));
      } else {
        Optional<Scenario> s = Scenario.byName(arg);
        if (s.isEmpty()) {
          throw new IllegalArgumentException(
              "unknown scenario or option '" + arg + "'; scenarios: " + Scenario.names());
        }
        scenarios.add(s.get());
      }
    }
    if (scenarios.isEmpty()) {
      throw new IllegalArgumentException("name at least one scenario: " + Scenario.names());
    }
    ImmutableList.Builder<Result> all = ImmutableList.builder();
    for (Scenario base : scenarios) {
      Scenario scenario = requests > 0 ? base.withRequests(requests) : base;
      List<Result> results = new ArrayList<>();
      for (String policy : policies != null ? policies : scenario.policies()) {
        results.add(Simulation.run(scenario, policy, seed));
      }
      Report.printTable(scenario, results, out);
      Report.writeCsv(scenario, results, dir);
      all.addAll(results);
    }
    out.println("CSV files in " + dir.toAbsolutePath());
    return all.build();
  }

  private static String value(String arg) {
    return arg.substring(arg.indexOf('=') + 1);
  }
}
