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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line: its options and errors, the table and goals on the output, the CSV files and
 * the HTML report. Runs are shortened with {@code --requests} to stay within seconds.
 */
class SimulateTest {

  private static PrintStream discard() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }

  @Test
  @Timeout(20)
  void printsATableAndWritesCsvForEveryPolicy(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    ImmutableList<Result> results =
        Simulate.run(
            List.of("--seed=3", "--requests=5000", "--policies=all", "--out=" + dir, "s1"), out);

    assertThat(results).extracting(Result::policy).containsExactlyElementsOf(Policies.NAMES);
    String text = bytes.toString(StandardCharsets.UTF_8);
    for (String policy : Policies.NAMES) {
      assertThat(text).contains(policy);
    }
    assertThat(text)
        .contains("Quality goals")
        .contains("Every run was shortened to 5000 requests")
        .contains("CSV files and goals.md in " + dir.toAbsolutePath())
        .contains("HTML report: " + dir.resolve("report.html").toAbsolutePath());
    List<String> summary = Files.readAllLines(dir.resolve("S1.csv"));
    assertThat(summary.get(0)).isEqualTo(Report.HEADER);
    assertThat(summary).hasSize(1 + Policies.NAMES.size());
    assertThat(summary.get(1)).startsWith("round_robin,3,5000,");
    List<String> shares = Files.readAllLines(dir.resolve("S1-shares.csv"));
    assertThat(shares.get(0)).isEqualTo(Report.SHARES_HEADER);
    assertThat(shares).hasSize(1 + Policies.NAMES.size() * 11);
    assertThat(Files.readAllLines(dir.resolve("S1-timeline.csv")))
        .hasSize(1 + Policies.NAMES.size() * Measurements.TIMELINE_SLICES);
    assertThat(dir.resolve("report.html")).isNotEmptyFile();
  }

  @Test
  @Timeout(20)
  void timelineCsvAddsUpToTheSummary(@TempDir Path dir) throws Exception {
    ImmutableList<Result> results =
        Simulate.run(
            List.of("--requests=6000", "--policies=round_robin", "--out=" + dir, "S1"), discard());

    Result r = results.get(0);
    List<String> lines = Files.readAllLines(dir.resolve("S1-timeline.csv"));
    assertThat(lines.get(0)).isEqualTo(Report.TIMELINE_HEADER);
    int requests = 0;
    int timeouts = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",", -1);
      assertThat(f).hasSize(Report.TIMELINE_HEADER.split(",").length);
      assertThat(f[0]).isEqualTo("round_robin");
      requests += Integer.parseInt(f[4]);
      timeouts += Integer.parseInt(f[6]);
    }
    assertThat(requests).isEqualTo(r.requests());
    assertThat(timeouts).isEqualTo(r.timeouts()).isPositive();
    // Interval 30 is in the middle of the slow period (it scales with the run).
    String[] middle = lines.get(1 + 30).split(",", -1);
    assertThat(Double.parseDouble(middle[8])).isGreaterThan(0.05);
  }

  @Test
  @Timeout(20)
  void writesTheGoalsAsCsvAndMarkdown(@TempDir Path dir) throws Exception {
    Simulate.run(List.of("--requests=4000", "--out=" + dir, "--html=false", "S3"), discard());

    List<String> csv = Files.readAllLines(dir.resolve("goals.csv"));
    assertThat(csv.get(0)).isEqualTo("id,scenario,status,goal,measured");
    assertThat(csv).hasSize(1 + Goals.evaluate(List.of()).size());
    assertThat(csv).anySatisfy(l -> assertThat(l).startsWith("S1,S1,skipped,"));
    assertThat(csv)
        .anySatisfy(l -> assertThat(l).startsWith("S3/random,S3,").doesNotContain(",skipped,"));
    assertThat(Files.readString(dir.resolve("goals.md")))
        .startsWith("| goal | status | target | measured |\n| --- | --- | --- | --- |\n");
  }

  @Test
  @Timeout(20)
  void htmlFalseWritesNoReport(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Simulate.run(
        List.of("--requests=2000", "--out=" + dir, "--html=false", "S3"),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));

    assertThat(dir.resolve("S3.csv")).exists();
    assertThat(dir.resolve("report.html")).doesNotExist();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("HTML report");
  }

  @Test
  @Timeout(20)
  void theReportHasOneChartOfEachKindPerScenarioRun(@TempDir Path dir) throws Exception {
    Simulate.run(
        List.of("--requests=3000", "--policies=random,round_robin", "--out=" + dir, "S1", "S3"),
        discard());

    String page = Files.readString(dir.resolve("report.html"), StandardCharsets.UTF_8);
    for (String kind : HtmlReport.CHART_KINDS) {
      assertThat(page.split("data-kind=\"" + kind + "\"", -1)).as(kind).hasSize(1 + 2);
    }
    assertThat(page.contains("echarts")).isTrue();
  }

  @Test
  void allAndLongNameTheSetsOnceEachInOrder() {
    assertThat(Simulate.parse(List.of("--all")).scenarios())
        .extracting(Scenario::name)
        .containsExactlyElementsOf(ScenarioSets.names());
    List<String> both = new ArrayList<>(ScenarioSets.names());
    both.addAll(ScenarioSets.longNames());
    assertThat(Simulate.parse(List.of("--long")).scenarios())
        .extracting(Scenario::name)
        .containsExactlyElementsOf(both);
    // A scenario named again (in any case) runs once, where it was first named.
    String last = ScenarioSets.names().get(ScenarioSets.names().size() - 1);
    assertThat(Simulate.parse(List.of(last.toLowerCase(Locale.ROOT), "--all")).scenarios())
        .extracting(Scenario::name)
        .startsWith(last)
        .doesNotHaveDuplicates()
        .hasSize(ScenarioSets.names().size());
  }

  @Test
  void parsesTheOptions() {
    Simulate.Options o =
        Simulate.parse(
            List.of(
                "--seed=-7",
                "--policies= random , jsq_oracle ,",
                "--requests=1234",
                "--out=x/y",
                "--html=FALSE",
                "S3"));

    assertThat(o.seed()).isEqualTo(-7);
    assertThat(o.policies()).containsExactly("random", "jsq_oracle");
    assertThat(o.requests()).isEqualTo(1234);
    assertThat(o.dir()).isEqualTo(Path.of("x", "y"));
    assertThat(o.html()).isFalse();
    assertThat(o.scenarios()).extracting(Scenario::name).containsExactly("S3");

    Simulate.Options defaults = Simulate.parse(List.of("S1"));
    assertThat(defaults.seed()).isEqualTo(1);
    assertThat(defaults.policies()).isEmpty();
    assertThat(defaults.requests()).isZero();
    assertThat(defaults.dir()).isEqualTo(Path.of("target", "sim"));
    assertThat(defaults.html()).isTrue();
    assertThat(Simulate.parse(List.of("--policies=all", "S1")).policies())
        .isEqualTo(Policies.NAMES);
  }

  @Test
  void rejectsBadArgumentsWithAMessageThatSaysWhatIsWrong() {
    assertThatThrownBy(() -> Simulate.run(List.of("S11"), discard()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown scenario 'S11'")
        .hasMessageContaining("S1");
    assertBad(List.of(), "name at least one scenario");
    assertBad(List.of("--bogus", "S1"), "unknown option '--bogus'");
    assertBad(List.of("--seed=abc", "S1"), "--seed needs a whole number: 'abc'");
    assertBad(List.of("--requests=0", "S1"), "--requests must be a positive int");
    assertBad(List.of("--requests=99999999999", "S1"), "--requests must be a positive int");
    assertBad(List.of("--html=maybe", "S1"), "--html is true or false: 'maybe'");
    assertBad(List.of("--out=", "S1"), "--out needs a directory");
    assertBad(List.of("--policies=,", "S1"), "--policies names no policy");
    assertBad(List.of("--policies=random,nope", "S1"), "unknown policy 'nope'");
  }

  private static void assertBad(List<String> args, String message) {
    assertThatThrownBy(() -> Simulate.parse(args))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
