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
