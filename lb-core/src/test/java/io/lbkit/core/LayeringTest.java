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

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layering of lb-core, read from its compiled classes with {@code jdeps}: the facade ({@link
 * LoadBalancer}) and its builder own the engine, never the reverse, and the engine's classes (the
 * package-private ones) depend on each other without cycles, so that each reads on its own.
 */
class LayeringTest {
  /**
   * The public types that name the balancer on purpose: a snapshot view hands its balancer out, an
   * observer is told of the balancer built, a discovery binding feeds a balancer. None of them is
   * called by the engine.
   */
  private static final Set<String> MAY_NAME_THE_FACADE =
      Set.of("BalancerSnapshot", "LoadBalancerObserver", "DiscoveryBinding");

  private static final Set<String> FACADE = Set.of("LoadBalancer", "LoadBalancerBuilder");

  private static final Pattern EDGE =
      Pattern.compile("^\\s+io\\.lbkit\\.core\\.(\\S+)\\s+->\\s+io\\.lbkit\\.core\\.(\\S+)\\s");

  /** Class-level dependencies inside io.lbkit.core, nested classes folded into their outer one. */
  private static Map<String, Set<String>> deps;

  @BeforeAll
  static void readDependencies(@TempDir Path tmp) throws IOException {
    // The package's classes without module-info, so that jdeps reads them as plain classes and does
    // not need the module's dependencies resolved.
    Path classes = Path.of("target", "classes", "io", "lbkit", "core");
    Path copy = Files.createDirectories(tmp.resolve("io/lbkit/core"));
    try (Stream<Path> files = Files.list(classes)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.toString().endsWith(".class")) {
          Files.copy(p, copy.resolve(p.getFileName().toString()));
        }
      }
    }
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc =
        jdeps.run(
            new PrintWriter(out),
            new PrintWriter(err),
            "-verbose:class",
            "-filter:none",
            tmp.toString());
    assertThat(rc).as("jdeps: %s", err).isZero();
    Map<String, Set<String>> graph = new TreeMap<>();
    for (String line : (Iterable<String>) out.toString().lines()::iterator) {
      Matcher m = EDGE.matcher(line);
      if (m.find()) {
        String from = outer(m.group(1));
        String to = outer(m.group(2));
        if (!from.equals(to)) {
          graph.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
        }
      }
    }
    assertThat(graph).as("jdeps output: %s", out).containsKeys("LoadBalancer", "PickPath");
    deps = graph;
  }

  private static String outer(String className) {
    int dollar = className.indexOf('$');
    return dollar < 0 ? className : className.substring(0, dollar);
  }

  @Test
  void onlyTheFacadeAndTypesThatHandOutTheBalancerNameIt() {
    List<String> backReferences = new ArrayList<>();
    deps.forEach(
        (from, tos) -> {
          if (FACADE.contains(from) || MAY_NAME_THE_FACADE.contains(from)) {
            return;
          }
          for (String to : tos) {
            if (FACADE.contains(to)) {
              backReferences.add(from + " -> " + to);
            }
          }
        });
    assertThat(backReferences).as("classes that refer back to the facade").isEmpty();
  }

  @Test
  void theEngineHasNoCycles() throws ClassNotFoundException {
    Set<String> engine = new TreeSet<>();
    for (String name : deps.keySet()) {
      if (!Modifier.isPublic(Class.forName("io.lbkit.core." + name).getModifiers())) {
        engine.add(name);
      }
    }
    assertThat(engine).contains("PickPath", "SnapshotPublisher", "Accounting", "OutlierEjection");
    List<List<String>> cycles = new ArrayList<>();
    for (String start : engine) {
      List<String> cycle = cycleThrough(start, engine);
      if (cycle != null && cycle.get(0).equals(cycle.stream().sorted().findFirst().orElseThrow())) {
        cycles.add(cycle); // each cycle once, from its smallest name
      }
    }
    assertThat(cycles).as("dependency cycles between engine classes").isEmpty();
  }

  /** A shortest path from {@code start} back to itself through engine classes, or null. */
  private static @org.jspecify.annotations.Nullable List<String> cycleThrough(
      String start, Set<String> engine) {
    Map<String, String> parent = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>();
    queue.add(start);
    while (!queue.isEmpty()) {
      String at = queue.remove();
      for (String next : deps.getOrDefault(at, Set.of())) {
        if (!engine.contains(next)) {
          continue;
        }
        if (next.equals(start)) {
          List<String> path = new ArrayList<>();
          for (String p = at; p != null; p = parent.get(p)) {
            path.add(0, p);
          }
          return path;
        }
        if (!parent.containsKey(next)) {
          parent.put(next, at);
          queue.add(next);
        }
      }
    }
    return null;
  }
}
