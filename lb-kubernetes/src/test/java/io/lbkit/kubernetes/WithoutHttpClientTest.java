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
package io.lbkit.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.ChildJvm;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An application that adds lb-kubernetes but no fabric8 HTTP client (the README asks for {@code
 * kubernetes-httpclient-jdk}, an optional dependency of this module) learns what to add when it
 * builds a source: the application runs in a child JVM whose class path is this one's without that
 * jar.
 */
class WithoutHttpClientTest {
  @Test
  void buildNamesTheArtifactToAddWhenNoHttpClientIsOnTheClassPath() throws Exception {
    List<String> classPath = ChildJvm.classPath(ChildJvm.without("kubernetes-httpclient-"));
    ChildJvm.Result child =
        ChildJvm.run(Duration.ofSeconds(60), classPath, WithoutHttpClientProbe.class.getName());
    String output = child.output();
    assertThat(child.exitCode()).as("child exit code, output:%n%s", output).isZero();
    assertThat(output)
        .contains("jdk http client on the class path: false")
        .contains(
            "failed: java.lang.IllegalStateException: no fabric8 HTTP client on the class path for"
                + " the Kubernetes client of service inventory: add"
                + " io.fabric8:kubernetes-httpclient-jdk");
  }

  @Test
  void withTheJdkHttpClientTheSameBuildSucceeds() {
    assertThat(WithoutHttpClientProbe.jdkHttpClientPresent()).isTrue();
    assertThat(WithoutHttpClientProbe.attempt()).startsWith("built: ").contains("shop/inventory");
  }
}
