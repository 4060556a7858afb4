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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.LiveServers.Http.Mode;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HealthCheckers#http(String)} against a real HTTP server on 127.0.0.1. */
@Timeout(10)
class HttpHealthCheckTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(4);

  /**
   * How much later than its timeout a hanging check may end on a busy machine: far less than the
   * checker's 5 s connect timeout, which a check that ignored its own timeout would wait for.
   */
  private static final long LATE_MILLIS = 1000;

  @BeforeAll
  static void warmUp() throws Exception {
    LiveServers.warmUpHttp();
  }

  @ParameterizedTest
  @EnumSource(
      value = Mode.class,
      names = {"OK", "NO_CONTENT"})
  void twoHundredsPass(Mode mode) throws Exception {
    try (LiveServers.Http http = LiveServers.Http.start()) {
      http.answer(mode);

      assertThat(passed(HealthCheckers.http("/health").check(http.server(), TIMEOUT))).isTrue();
      assertThat(http.requests()).containsExactly("GET /health");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Mode.class,
      names = {"ERROR", "UNAVAILABLE", "NOT_FOUND"})
  void otherStatusesFail(Mode mode) throws Exception {
    try (LiveServers.Http http = LiveServers.Http.start()) {
      http.answer(mode);

      assertThat(passed(HealthCheckers.http("/health").check(http.server(), TIMEOUT))).isFalse();
      assertThat(http.answered(mode.status)).isEqualTo(1);
    }
  }

  @Test
  void redirectFailsAndIsNotFollowed() throws Exception {
    try (LiveServers.Http http = LiveServers.Http.start()) {
      http.answer(Mode.REDIRECT);

      assertThat(passed(HealthCheckers.http("/health").check(http.server(), TIMEOUT))).isFalse();
      // A followed redirect would have asked for /redirected before the check completed.
      assertThat(http.requests()).containsExactly("GET /health");
    }
  }

  @Test
  void hangingServerFailsWithinAboutTheTimeout() throws Exception {
    try (LiveServers.Http http = LiveServers.Http.start()) {
      http.answer(Mode.HANG);
      Duration timeout = Duration.ofMillis(300);
      HealthChecker checker = HealthCheckers.http("/health");
      long start = System.nanoTime();

      // No timeout applied here beyond the one the checker is given: the checker must honour it.
      CompletableFuture<Boolean> check = checker.check(http.server(), timeout);
      boolean passed = passed(check);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(passed).isFalse();
      assertThat(failureOf(check)).isInstanceOf(HttpTimeoutException.class);
      assertThat(tookMillis).isBetween(timeout.toMillis() - 30, timeout.toMillis() + LATE_MILLIS);
      assertThat(http.hung()).as("the request reached the handler").isEqualTo(1);
    }
  }

  @Test
  void hangingConnectFailsWithinAboutTheTimeout() throws Exception {
    try (LiveServers.FullBacklog full = LiveServers.FullBacklog.create()) {
      Duration timeout = Duration.ofMillis(300);
      HealthChecker checker = HealthCheckers.http("/health");
      long start = System.nanoTime();

      CompletableFuture<Boolean> check = checker.check(full.server(), timeout);
      boolean passed = passed(check);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      // The check's timeout bounds the connect too, not only the (much longer) connect timeout.
      assertThat(passed).isFalse();
      assertThat(failureOf(check)).isInstanceOf(HttpTimeoutException.class);
      assertThat(tookMillis).isBetween(timeout.toMillis() - 30, timeout.toMillis() + LATE_MILLIS);
    }
  }

  @Test
  void stoppedServerFailsAtOnce() throws Exception {
    try (LiveServers.Http http = LiveServers.Http.start()) {
      HealthChecker checker = HealthCheckers.http("/health");
      assertThat(passed(checker.check(http.server(), TIMEOUT))).isTrue();
      http.stop();
      long start = System.nanoTime();

      CompletableFuture<Boolean> check = checker.check(http.server(), TIMEOUT);

      assertThat(passed(check)).isFalse();
      assertThat(System.nanoTime() - start).isLessThan(TIMEOUT.toNanos());
      // A refused connect (or, for the connection kept from the first check, a closed one).
      assertThat(failureOf(check))
          .isInstanceOfAny(ConnectException.class, java.io.IOException.class);

      http.restart();
      assertThat(passed(checker.check(http.server(), TIMEOUT)))
          .as("the same checker passes again once the server is back on its port")
          .isTrue();
    }
  }

  @Test
  void pathIsSentAsGiven() throws Exception {
    List<String> paths =
        List.of(
            "/",
            "/health",
            "/status/ready?verbose=1&from=%2Flb",
            "/health%20check",
            "/a;v=1/b",
            "//double/slash");
    try (LiveServers.Http http = LiveServers.Http.start()) {
      for (String path : paths) {
        assertThat(passed(HealthCheckers.http(path).check(http.server(), TIMEOUT)))
            .as(path)
            .isTrue();
      }

      assertThat(http.requests())
          .containsExactlyElementsOf(paths.stream().map(p -> "GET " + p).toList());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"health", "", " /health", "http://127.0.0.1/health", "?x=1"})
  void pathNotStartingWithSlashIsRejectedNamingIt(String path) {
    assertThatThrownBy(() -> HealthCheckers.http(path))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + path + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a b", "/health\n", "/%zz", "/x#fragment"})
  void pathThatCannotBeSentAsGivenIsRejectedUpFrontNamingIt(String path) {
    // Rejected when the checker is made, not at every check (where it would only show up as every
    // server failing its health checks).
    assertThatThrownBy(() -> HealthCheckers.http(path))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + path + "'");
  }

  @Test
  @SuppressWarnings("NullAway") // the point: a null argument
  void nullPathIsRejected() {
    assertThatThrownBy(() -> HealthCheckers.http(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("path");
  }

  /** Whether the check passed; fails the test if it does not end in time. */
  private static boolean passed(CompletableFuture<Boolean> check) throws Exception {
    try {
      return Boolean.TRUE.equals(check.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      return false;
    }
  }

  /** The cause of an exceptionally completed check, or null if it completed normally. */
  private static @Nullable Throwable failureOf(CompletableFuture<Boolean> check) {
    try {
      check.join();
      return null;
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause;
    }
  }
}
