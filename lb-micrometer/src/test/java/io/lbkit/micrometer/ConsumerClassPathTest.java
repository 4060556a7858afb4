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
package io.lbkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A consumer that adds lb-micrometer and a Prometheus registry, and not the OkHttp adapter (an
 * optional dependency of this module), gets its metrics in a Prometheus scrape: the application
 * runs in a child JVM whose class path is this one's without OkHttp, Okio, Kotlin, MockWebServer
 * and the OkHttp adapter.
 */
class ConsumerClassPathTest {
  @Test
  void metricsWorkWithoutTheOkHttpAdapter() throws Exception {
    List<String> classPath = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String name = Paths.get(entry).getFileName().toString();
      boolean okhttp =
          name.startsWith("okhttp")
              || name.startsWith("okio")
              || name.startsWith("kotlin")
              || name.startsWith("mockwebserver")
              || entry.contains("lb-http-adapter");
      if (!okhttp) {
        classPath.add(entry);
      }
    }
    // Output to a file, not a pipe: a child that hangs is then destroyed at the deadline instead
    // of blocking this thread in a read.
    Path out = Files.createTempFile("consumer-probe", ".txt");
    String output;
    try {
      Process child =
          new ProcessBuilder(
                  Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  String.join(File.pathSeparator, classPath),
                  ConsumerProbe.class.getName())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!child.waitFor(60, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        throw new AssertionError("the child JVM did not finish in 60 s");
      }
      output = Files.readString(out, StandardCharsets.UTF_8);
      assertThat(child.exitValue()).as("child exit code, output:%n%s", output).isZero();
    } finally {
      Files.delete(out);
    }

    assertThat(output)
        .contains("okhttp adapter on the class path: false")
        .contains("okhttp on the class path: false");
    Scrape s = new Scrape(output);
    assertThat(s.value("loadbalancer_requests_success_seconds_count", "serviceId", "orders"))
        .isEqualTo(5);
    assertThat(s.value("loadbalancer_requests_discard_total", "reason", "NO_SERVERS")).isEqualTo(1);
    assertThat(s.value("loadbalancer_requests_active", "serviceId", "orders")).isZero();
  }
}
