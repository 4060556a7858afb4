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

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Compiles every Java snippet of every README against the real modules, so that an example that no
 * longer matches the API fails the build. Each snippet becomes the body of a method of a {@link
 * SnippetContext} subclass, with the imports a user of lbkit, OkHttp and gRPC would write. Two
 * conventions keep snippets readable: {@code { ... }} stands for a block the reader fills in, and a
 * snippet that starts with {@code .} continues a {@code ManagedChannelBuilder} (a setting shown on
 * its own).
 */
class ReadmeSnippetsTest {
  private static final String IMPORTS =
      String.join(
          "\n",
          "import io.lbkit.core.*;",
          // gRPC's LoadBalancer and Server too are on demand below: lbkit's win, as in a user's
          // file that uses both.
          "import io.lbkit.core.LoadBalancer;",
          "import io.lbkit.core.Server;",
          "import io.lbkit.okhttp.*;",
          "import io.lbkit.grpc.*;",
          "import io.lbkit.micrometer.*;",
          "import io.lbkit.kubernetes.*;",
          "import io.lbkit.server.*;",
          "import io.micrometer.core.instrument.MeterRegistry;",
          "import io.grpc.*;",
          "import io.grpc.health.v1.*;",
          "import io.grpc.stub.*;",
          "import okhttp3.OkHttpClient;",
          "import okhttp3.Request;",
          "import okhttp3.Response;",
          "import java.net.*;",
          "import java.time.Duration;",
          "import java.util.*;",
          "import java.util.concurrent.*;");

  @Test
  void everyJavaSnippetCompiles() {
    List<Readmes.Block> snippets =
        Readmes.blocks().stream()
            .filter(b -> b.language().equals("java"))
            .collect(Collectors.toList());
    assertThat(snippets).as("Java snippets in the READMEs").hasSizeGreaterThanOrEqualTo(5);
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < snippets.size(); i++) {
      Readmes.Block b = snippets.get(i);
      String error = compile("Snippet" + i, source("Snippet" + i, b.text()));
      if (error != null) {
        failures.add(b + " does not compile:\n" + b.text() + error);
      }
    }
    assertThat(failures).as("README snippets that do not compile").isEmpty();
  }

  @Test
  void aBrokenSnippetFailsToCompile() {
    // The check itself can fail: a call that does not exist is reported.
    String error =
        compile("Broken", source("Broken", "LoadBalancer.builder().noSuchSetting(1).build();"));
    assertThat(error).contains("noSuchSetting");
  }

  /** The compilation unit of one snippet. */
  static String source(String className, String snippet) {
    String body = snippet.replace("{ ... }", "{ }").strip();
    if (body.startsWith(".")) {
      body = "ManagedChannelBuilder.forTarget(\"dns:///example.internal:443\")\n" + body;
    }
    if (!body.endsWith(";") && !body.endsWith("}")) {
      body = body + ";";
    }
    return "package io.lbkit.examples;\n"
        + IMPORTS
        + "\nclass "
        + className
        + " extends SnippetContext {\n"
        + "  @Override void run() throws Exception {\n"
        + body
        + "\n  }\n}\n";
  }

  /** Compiles one unit on the test's class path; returns the errors, or null if it compiles. */
  static @Nullable String compile(String className, String source) {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    JavaFileObject unit =
        new SimpleJavaFileObject(
            URI.create("string:///io/lbkit/examples/" + className + ".java"),
            JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return source;
          }
        };
    StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null);
    Path out;
    try {
      out = Files.createTempDirectory("lbkit-readme-snippets");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The test's own class path (surefire runs this module without a manifest-only jar), so that
    // a snippet sees exactly the modules a user adds.
    List<String> options =
        List.of(
            "-classpath",
            System.getProperty("java.class.path"),
            "-proc:none",
            "-d",
            out.toString());
    boolean ok = compiler.getTask(null, files, diagnostics, options, null, List.of(unit)).call();
    if (ok) {
      return null;
    }
    StringBuilder errors = new StringBuilder();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() == Diagnostic.Kind.ERROR) {
        errors
            .append("  line ")
            .append(d.getLineNumber())
            .append(": ")
            .append(d.getMessage(Locale.ROOT))
            .append('\n');
      }
    }
    return errors.toString();
  }
}
