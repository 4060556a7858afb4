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
package io.lbkit.core;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java source file of every module starts with the licence header. The build's formatter adds
 * it to ordinary files and fails without it, but leaves {@code package-info.java} and {@code
 * module-info.java} alone; this test covers all of them.
 */
class LicenseHeaderTest {
  @Test
  void everyJavaFileStartsWithTheLicenceHeader() throws IOException {
    Path root = requireNonNull(Path.of("").toAbsolutePath().getParent());
    String header = Files.readString(root.resolve(".license-header.txt"), StandardCharsets.UTF_8);
    List<Path> missing;
    try (Stream<Path> files = Files.walk(root)) {
      missing =
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/."))
              .filter(p -> !read(p).startsWith(header))
              .map(root::relativize)
              .collect(Collectors.toList());
    }
    assertThat(root.resolve("lb-core/src/main/java/module-info.java")).exists();
    assertThat(missing).as("Java files without the licence header").isEmpty();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
