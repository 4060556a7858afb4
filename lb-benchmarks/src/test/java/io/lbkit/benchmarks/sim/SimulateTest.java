package io.lbkit.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line: a table on the output and CSV files for every policy run. */
class SimulateTest {

  @Test
  @Timeout(20)
  void printsATableAndWritesCsvForEveryPolicy(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    ImmutableList<Result> results =
        Simulate.run(
            List.of("--seed=3", "--requests=5000", "--policies=all", "--out=" + dir, "s1"), out);

    assertThat(results).extracting(Result::policy).containsExactlyElementsOf(Policies.NAMES);
    String table = bytes.toString(StandardCharsets.UTF_8);
    for (String policy : Policies.NAMES) {
      assertThat(table).contains(policy);
    }
    List<String> summary = Files.readAllLines(dir.resolve("S1.csv"));
    assertThat(summary.get(0)).isEqualTo(Report.HEADER);
    assertThat(summary).hasSize(1 + Policies.NAMES.size());
    assertThat(summary.get(1)).startsWith("round_robin,3,5000,");
    List<String> shares = Files.readAllLines(dir.resolve("S1-shares.csv"));
    assertThat(shares).hasSize(1 + Policies.NAMES.size() * 11);
  }

  @Test
  void rejectsUnknownScenarios() {
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Simulate.run(List.of("S9"), out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("S1");
  }
}
