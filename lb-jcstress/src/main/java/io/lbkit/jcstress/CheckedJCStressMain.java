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
package io.lbkit.jcstress;

import java.io.File;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Main;
import org.openjdk.jcstress.Options;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.ReportUtils;

/**
 * The entry point of the jcstress jar: runs jcstress exactly as its own {@code Main} does, then
 * reads the run's result log, prints a one-line verdict and exits with status 1 if any test failed
 * (a forbidden outcome was seen), broke (an exception, a timeout, a crashed VM) or could not run,
 * or if no test ran at all.
 *
 * <p>jcstress's own {@code Main} already ends with an error when a test fails or breaks, but it
 * exits 0 when nothing ran (no matching test, no usable JVM configuration), which would let a build
 * pass with, say, its test generator silently not run. Listing ({@code -l}), parsing ({@code -p})
 * and help are handed to jcstress's {@code Main} unchanged.
 */
public final class CheckedJCStressMain {
  private CheckedJCStressMain() {}

  /**
   * Runs jcstress with jcstress's own command-line options.
   *
   * @param args jcstress options, such as {@code -m quick -t ServerStats}
   * @throws Exception if jcstress itself fails
   */
  public static void main(String[] args) throws Exception {
    Options opts = new Options(args);
    if (!opts.parse() || opts.shouldList() || opts.shouldParse()) {
      Main.main(args);
      return;
    }
    System.out.println("Java Concurrency Stress Tests (exit status checked)");
    boolean clean = true;
    try {
      new JCStress(opts).run();
    } catch (AssertionError e) {
      // jcstress's way of reporting failed or broken tests, after its full report was printed.
      System.out.println(e.getMessage());
      clean = false;
    }
    boolean passed = check(opts.getResultFile()) && clean;
    System.exit(passed ? 0 : 1);
  }

  /** Reads a result log and prints a verdict; returns whether every test passed. */
  private static boolean check(String resultFile) throws Exception {
    if (!new File(resultFile).isFile()) {
      System.out.println(
          "jcstress verdict: FAILED, no test ran (no result log " + resultFile + ")");
      return false;
    }
    InProcessCollector collector = new InProcessCollector();
    DiskReadCollector reader = new DiskReadCollector(resultFile, collector);
    try {
      reader.dump();
    } finally {
      reader.close();
    }
    // One merged result per test: the union of the outcomes seen in every JVM configuration and
    // fork, graded against the test's @Outcome annotations, with the worst status of any run.
    List<TestResult> results = ReportUtils.mergedByName(collector.getTestResults());
    results.sort(Comparator.comparing(TestResult::getName));
    List<String> bad = new ArrayList<>();
    for (TestResult r : results) {
      if (!ReportUtils.statusToPassed(r)) {
        bad.add(ReportUtils.statusToLabel(r) + " " + r.getName());
      }
    }
    int passed = results.size() - bad.size();
    System.out.println();
    for (String b : bad) {
      System.out.println("jcstress: " + b);
    }
    if (results.isEmpty()) {
      System.out.println("jcstress verdict: FAILED, no test ran");
      return false;
    }
    System.out.printf(
        "jcstress verdict: %s (%d of %d tests passed, %d failed)%n",
        bad.isEmpty() ? "PASSED" : "FAILED", passed, results.size(), bad.size());
    return bad.isEmpty();
  }
}
