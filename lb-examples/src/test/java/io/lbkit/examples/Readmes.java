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
package io.lbkit.examples;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The project's READMEs and the fenced code blocks in them. */
final class Readmes {
  private Readmes() {}

  /** One fenced code block: where it is, and its text. */
  record Block(Path file, int line, String language, String text) {
    @Override
    public String toString() {
      return file.getFileName() + ":" + line;
    }
  }

  /** The project's root: the parent of this module's directory. */
  static Path root() {
    return requireNonNull(Path.of("").toAbsolutePath().getParent());
  }

  /** Every README.md of the project (the root's and each module's). */
  static List<Path> files() {
    Path root = root();
    try (Stream<Path> files = Files.walk(root, 2)) {
      return files
          .filter(p -> p.getFileName().toString().equals("README.md"))
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/."))
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every fenced block in every README, in order. */
  static List<Block> blocks() {
    List<Block> out = new ArrayList<>();
    for (Path file : files()) {
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i).strip();
        if (!line.startsWith("```")) {
          continue;
        }
        String language = line.substring(3).strip();
        StringBuilder text = new StringBuilder();
        int start = i + 1;
        for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
          text.append(lines.get(i)).append('\n');
        }
        out.add(new Block(root().relativize(file), start + 1, language, text.toString()));
      }
    }
    return out;
  }
}
