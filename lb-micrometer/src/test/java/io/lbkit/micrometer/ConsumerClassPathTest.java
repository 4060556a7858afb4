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

import io.lbkit.core.ChildJvm;
import java.time.Duration;
import java.util.List;
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
    List<String> classPath =
        ChildJvm.classPath(
            ChildJvm.without("okhttp", "okio", "kotlin", "mockwebserver", "lb-http-adapter"));
    ChildJvm.Result child =
        ChildJvm.run(Duration.ofSeconds(60), classPath, ConsumerProbe.class.getName());
    String output = child.output();
    assertThat(child.exitCode()).as("child exit code, output:%n%s", output).isZero();

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
