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
package io.lbkit.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An application whose OkHttp is too old fails when it builds the interceptor, with a message that
 * names the OkHttp it needs and the one it has, not on its first call with a {@link
 * NoSuchMethodError}. The old OkHttp runs in a child JVM, since one class path holds one OkHttp.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OkHttpVersionTest {
  @Test
  void buildFailsWithTheVersionsOnOkHttp4() throws Exception {
    Path okhttp4 = Paths.get(System.getProperty("lbkit.okhttp4.dir", "target/okhttp4"));
    List<String> classPath = new ArrayList<>();
    try (Stream<Path> jars = Files.list(okhttp4)) {
      jars.map(Path::toString).sorted().forEach(classPath::add);
    }
    assertThat(classPath).as("OkHttp 4 jars in %s", okhttp4).hasSize(3);
    // This JVM's class path minus its OkHttp 5, Okio and Kotlin: the adapter, lb-core and Guava.
    classPath.addAll(
        ChildJvm.classPath(ChildJvm.without("okhttp", "okio", "kotlin", "mockwebserver")));
    String output =
        ChildJvm.run(Duration.ofSeconds(40), classPath, OkHttp4Probe.class.getName()).output();

    assertThat(output)
        .as("child output")
        .contains(
            "java.lang.IllegalStateException: OkHttp 5.4.0 or later is required by lbkit's"
                + " LoadBalancingInterceptor, found OkHttp 4.12.0 (it lacks ")
        .contains("depend on com.squareup.okhttp3:okhttp (okhttp-jvm for Maven) 5.4.0 or later");
  }

  @Test
  void currentOkHttpPasses() {
    OkHttpVersion.check();
    assertThat(OkHttpVersion.found()).startsWith("5.");
  }
}
