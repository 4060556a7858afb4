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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

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

/**
 * Runs the live demo end to end with real servers and a small request count: two algorithms, 100
 * requests each, and checks that the table and the CSV account for every request.
 */
class LiveDemoTest {
  private static final int REQUESTS = 100;

  @Test
  @Timeout(60)
  void everyRequestIsAccountedForInTheTableAndTheCsv(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    Path csv = dir.resolve("demo").resolve("results.csv");

    ImmutableList<DemoResult> results =
        new LiveDemo(REQUESTS, 4, out)
            .run(List.of(Algorithm.ROUND_ROBIN, Algorithm.LEAST_RESPONSE_TIME), csv);

    assertThat(results)
        .extracting(DemoResult::algorithm)
        .containsExactly("round robin", "least response time");
    for (DemoResult r : results) {
      assertThat(r.requests()).isEqualTo(REQUESTS);
      // No request is lost: each one either got its 200 or counts as an error.
      assertThat(r.ok() + r.errors()).as(r.algorithm()).isEqualTo(REQUESTS);
      assertThat(r.errorKinds().values().stream().mapToInt(Integer::intValue).sum())
          .as(r.algorithm())
          .isEqualTo(r.errors());
      // Every request reached at least one server: the retry budget's floor covers every
      // failover at this volume, and at most one server is down at a time.
      assertThat(r.received().keySet())
          .containsExactly("normal-1", "normal-2", "slow", "flaky", "dies");
      assertThat(r.totalReceived()).as(r.algorithm()).isGreaterThanOrEqualTo(REQUESTS);
      assertThat(r.p50Millis()).isPositive().isLessThanOrEqualTo(r.p90Millis());
      assertThat(r.p90Millis()).isLessThanOrEqualTo(r.p99Millis());
      double shares = r.received().keySet().stream().mapToDouble(r::sharePercent).sum();
      assertThat(shares).isCloseTo(100.0, offset(0.01));
    }

    String printed = bytes.toString(StandardCharsets.UTF_8);
    List<String> lines = printed.lines().toList();
    assertThat(lines).anyMatch(l -> l.startsWith("algorithm") && l.contains("p99 ms"));
    for (DemoResult r : results) {
      assertThat(lines)
          .as("a table row for " + r.algorithm())
          .filteredOn(l -> l.startsWith(r.algorithm() + " "))
          .hasSize(1)
          .allMatch(l -> l.contains(String.valueOf(REQUESTS)));
    }
    assertThat(printed).contains("CSV copy: ");

    List<String> csvLines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    assertThat(csvLines).hasSize(1 + results.size());
    assertThat(csvLines.get(0)).startsWith("algorithm,requests,ok,errors,");
    assertThat(csvLines.get(1)).startsWith("round robin," + REQUESTS + ",");
    assertThat(csvLines.get(2)).startsWith("least response time," + REQUESTS + ",");
  }

  @Test
  void percentilesAreNearestRank() {
    long[] nanos = new long[100];
    for (int i = 0; i < nanos.length; i++) {
      nanos[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms, unsorted
    }
    assertThat(DemoResult.percentileMillis(nanos, 50)).isEqualTo(50.0);
    assertThat(DemoResult.percentileMillis(nanos, 99)).isEqualTo(99.0);
    assertThat(DemoResult.percentileMillis(new long[0], 50)).isZero();
  }
}
