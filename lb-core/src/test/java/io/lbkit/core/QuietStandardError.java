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

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import org.junit.jupiter.api.function.Executable;

/**
 * Runs a block with the standard error stream discarded. The balancer logs every health transition
 * and removal at INFO, and the test logger writes to standard error: tests that make tens of
 * thousands of changes would flood the build output, and under Lincheck's model checker the
 * capturing stream of the test runner (with its own locks) can deadlock against the managed
 * threads. Everything the tests check is asserted, not printed.
 */
final class QuietStandardError {
  private QuietStandardError() {}

  static void run(Executable body) throws Throwable {
    PrintStream original = System.err;
    System.setErr(
        new PrintStream(OutputStream.nullOutputStream(), false, Charset.defaultCharset()));
    try {
      body.execute();
    } finally {
      System.setErr(original);
    }
  }
}
