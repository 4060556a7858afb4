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

import com.google.common.base.Splitter;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A class run in a child JVM on a class path of the test's choosing, for tests of what an
 * application with other jars sees: without an optional dependency, or with an older version of one
 * (a class path holds one version of a library).
 *
 * <pre>{@code
 * List<String> cp = ChildJvm.classPath(ChildJvm.without("okhttp", "okio", "kotlin"));
 * ChildJvm.Result r = ChildJvm.run(Duration.ofSeconds(60), cp, Probe.class.getName());
 * }</pre>
 */
public final class ChildJvm {
  private ChildJvm() {}

  /** What the child did: its exit code and everything it wrote to standard output and error. */
  public record Result(int exitCode, String output) {}

  /** The entries of this JVM's class path that {@code keep} accepts, in their order. */
  public static List<String> classPath(Predicate<String> keep) {
    List<String> out = new ArrayList<>();
    for (String entry :
        Splitter.on(File.pathSeparatorChar).split(System.getProperty("java.class.path"))) {
      if (!entry.isEmpty() && keep.test(entry)) {
        out.add(entry);
      }
    }
    return out;
  }

  /**
   * Keeps the class path entries of none of these artifacts: a jar whose file name starts with one
   * of {@code artifacts}, or a module's classes directory under a directory of that name (as a
   * reactor build lists {@code lb-http-adapter/target/classes}).
   */
  public static Predicate<String> without(String... artifacts) {
    List<String> names = List.of(artifacts);
    return entry -> {
      String file = fileName(entry);
      for (String a : names) {
        if (file.startsWith(a) || entry.contains(File.separator + a + File.separator)) {
          return false;
        }
      }
      return true;
    };
  }

  /**
   * The file name of a class path entry, such as {@code okhttp-jvm-5.4.0.jar} or {@code classes}.
   */
  public static String fileName(String entry) {
    Path name = Paths.get(entry).getFileName();
    return name == null ? entry : name.toString();
  }

  /**
   * Runs {@code mainClass} with {@code args} in a child JVM (this JVM's {@code java}) on {@code
   * classPath}, and waits for it to end.
   *
   * @throws AssertionError if the child has not ended within {@code timeout}; it is destroyed
   */
  public static Result run(
      Duration timeout, List<String> classPath, String mainClass, String... args)
      throws IOException, InterruptedException {
    requireNonNull(mainClass, "mainClass");
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(String.join(File.pathSeparator, classPath));
    command.add(mainClass);
    command.addAll(List.of(args));
    // Output to a file, not a pipe: a child that hangs is then destroyed at the deadline instead
    // of blocking this thread in a read.
    Path out = Files.createTempFile("child-jvm", ".txt");
    try {
      Process child =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            "the child JVM running "
                + mainClass
                + " did not finish in "
                + timeout
                + "; its output:\n"
                + Files.readString(out, StandardCharsets.UTF_8));
      }
      return new Result(child.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.delete(out);
    }
  }
}
