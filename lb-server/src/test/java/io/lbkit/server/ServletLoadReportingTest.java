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
package io.lbkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real Servlet 6 containers (Jetty 12 and Tomcat 11) on loopback with the Servlet filter, and the
 * JDK's HTTP client.
 */
class ServletLoadReportingTest {
  // Samples stay recent for the whole test, however slowly a loaded machine runs it.
  private final LoadRecorder recorder = LoadRecorder.create(Duration.ofMinutes(5));
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final List<CompletableFuture<?>> pending = new ArrayList<>();
  private ServletContainer.@Nullable Running running;
  private LoadClient client = new LoadClient("http://unstarted.invalid");
  @TempDir Path dir;

  /** Starts the container with the application at {@code contextPath}, the filter in front. */
  private void start(ServletContainer container, String contextPath) throws Exception {
    // Mapped for every dispatch: only the first one may count.
    ServletContainer.Running r =
        container.start(dir, contextPath, new App(), LoadReportingServletFilter.create(recorder));
    running = r;
    client = new LoadClient(r.base());
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    releaseFirst.countDown();
    for (CompletableFuture<?> f : pending) {
      f.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
    }
    if (running != null) {
      running.stop().close();
    }
    pool.shutdownNow();
  }

  /** The application: what each path does. */
  private final class App extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws ServletException, IOException {
      switch (request.getPathInfo()) {
        case "/work" -> ok(response);
        case "/hold" -> {
          await(release);
          ok(response);
        }
        case "/first" -> {
          await(releaseFirst);
          ok(response);
        }
        case "/fail" -> response.setStatus(503);
        case "/throw" -> throw new ServletContainer.DeliberateFailure("the application failed");
        case "/async" -> {
          AsyncContext async = request.startAsync();
          async.setTimeout(TimeUnit.MINUTES.toMillis(2));
          completeLater(async);
        }
        case "/dispatch" -> {
          if (request.getDispatcherType() == DispatcherType.REQUEST) {
            // As Spring MVC does with a result at hand: dispatch back at once, same thread.
            AsyncContext async = request.startAsync();
            async.setTimeout(TimeUnit.MINUTES.toMillis(2));
            async.dispatch();
          } else {
            await(release);
            ok(response);
          }
        }
        case "/redispatch" -> {
          AsyncContext async = request.startAsync();
          async.setTimeout(TimeUnit.MINUTES.toMillis(2));
          if (request.getDispatcherType() == DispatcherType.REQUEST) {
            async.dispatch(); // and a second async cycle in that dispatch
          } else {
            completeLater(async);
          }
        }
        case "/timeout" -> request.startAsync().setTimeout(50); // nobody completes it
        default -> response.sendError(404);
      }
    }

    /** Another thread answers once the test releases it, and completes the async cycle. */
    private void completeLater(AsyncContext async) {
      pool.execute(
          () -> {
            await(release);
            try {
              ok((HttpServletResponse) async.getResponse());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            } finally {
              async.complete();
            }
          });
    }

    private void ok(HttpServletResponse response) throws IOException {
      response.setContentType("text/plain");
      response.getWriter().write("ok");
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void everyResponseCarriesTheLoadHeader(ServletContainer container) throws Exception {
    start(container, "/");
    HttpResponse<String> response = get("/work");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ok");
    // Sent while this request was in flight.
    assertThat(header(response).requestsInFlight()).hasValue(1);
    assertThat(header(get("/nothing-here")).requestsInFlight()).hasValue(1); // a 404 too
    awaitInFlight(0);
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void probePathAnswersTheRequestsInFlightWithoutCountingItself(ServletContainer container)
      throws Exception {
    start(container, "/");
    hold("/hold", 3);
    release.countDown();
    CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    ServerLoad after = probe();
    assertThat(after.requestsInFlight()).hasValue(0);
    assertThat(after.latency()).isPresent();

    HttpResponse<String> head = client.head(LoadReportingServletFilter.DEFAULT_PROBE_PATH);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(header(head).requestsInFlight()).hasValue(0);
    assertThat(head.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void theProbePathIsWithinTheApplication(ServletContainer container) throws Exception {
    start(container, "/shop");
    hold("/hold", 2);
    assertThat(probe().requestsInFlight()).hasValue(2);
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void theHeaderCarriesTheLoadWhenTheResponseStarts(ServletContainer container) throws Exception {
    start(container, "/");
    CompletableFuture<HttpResponse<String>> first = send("/first");
    awaitInFlight(1);
    hold("/hold", 2); // two more arrive while the first is handled
    releaseFirst.countDown();
    HttpResponse<String> response = first.get(30, TimeUnit.SECONDS);
    // Not 1, the load when it arrived: the client keeps this as the server's load now.
    assertThat(header(response).requestsInFlight()).hasValue(3);
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void anAsyncRequestIsCountedUntilItsContextCompletes(ServletContainer container)
      throws Exception {
    start(container, "/");
    CompletableFuture<HttpResponse<String>> async = send("/async");
    // The dispatch has returned long before: the request is in flight until complete().
    awaitInFlight(1);
    assertThat(probe().requestsInFlight()).hasValue(1);
    release.countDown();
    HttpResponse<String> response = async.get(30, TimeUnit.SECONDS);
    assertThat(response.body()).isEqualTo("ok");
    assertThat(header(response).requestsInFlight()).hasValue(1);
    awaitInFlight(0);
    assertThat(probe().latency()).isPresent();
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void anAsyncDispatchIsCountedOnceUntilItsResponseIsDone(ServletContainer container)
      throws Exception {
    start(container, "/");
    CompletableFuture<HttpResponse<String>> dispatched = send("/dispatch");
    awaitInFlight(1);
    assertThat(probe().requestsInFlight()).hasValue(1); // once, though the filter ran twice
    release.countDown();
    HttpResponse<String> response = dispatched.get(30, TimeUnit.SECONDS);
    assertThat(response.body()).isEqualTo("ok");
    assertThat(header(response).requestsInFlight()).hasValue(1);
    awaitInFlight(0);
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void aSecondAsyncCycleIsCountedUntilItCompletes(ServletContainer container) throws Exception {
    start(container, "/");
    CompletableFuture<HttpResponse<String>> twice = send("/redispatch");
    awaitInFlight(1);
    assertThat(probe().requestsInFlight()).hasValue(1);
    release.countDown();
    assertThat(twice.get(30, TimeUnit.SECONDS).body()).isEqualTo("ok");
    awaitInFlight(0);
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void serverErrorsAndExceptionsCountAsErrors(ServletContainer container) throws Exception {
    start(container, "/");
    for (int i = 0; i < 2; i++) {
      assertThat(get("/fail").statusCode()).isEqualTo(503);
      assertThat(get("/throw").statusCode()).isEqualTo(500);
    }
    awaitInFlight(0);
    // Rates are per window of a second: poll until one has passed.
    client.awaitProbe(l -> l.eps() > 0, "errors per second");
  }

  @ParameterizedTest
  @EnumSource(ServletContainer.class)
  void anAsyncTimeoutCountsAsAnError(ServletContainer container) throws Exception {
    start(container, "/");
    assertThat(get("/timeout").statusCode()).isEqualTo(500);
    awaitInFlight(0);
    client.awaitProbe(l -> l.eps() > 0, "errors per second");
  }

  @Test
  @SuppressWarnings("NullAway") // the point: a null argument
  void rejectsBadProbePaths() {
    assertThatThrownBy(() -> LoadReportingServletFilter.create(recorder, "probe"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"probe\"");
    assertThatThrownBy(() -> LoadReportingServletFilter.create(recorder, "/p#x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/p#x");
    assertThatThrownBy(() -> LoadReportingServletFilter.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("recorder");
  }

  /** Sends {@code count} requests to {@code path} and waits until the server counts them. */
  private void hold(String path, int count) throws Exception {
    int before = recorder.requestsInFlight();
    for (int i = 0; i < count; i++) {
      CompletableFuture<HttpResponse<String>> unused = send(path); // awaited by stop(), in pending
    }
    ServerLoad load =
        client.awaitProbe(l -> l.requestsInFlight().orElse(-1) >= before + count, "held requests");
    assertThat(load.requestsInFlight()).hasValue(before + count);
  }

  private void awaitInFlight(int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (recorder.requestsInFlight() != expected && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(recorder.requestsInFlight()).isEqualTo(expected);
  }

  private ServerLoad probe() throws Exception {
    return client.probe();
  }

  private static ServerLoad header(HttpResponse<?> response) {
    return LoadClient.header(response);
  }

  private CompletableFuture<HttpResponse<String>> send(String path) {
    CompletableFuture<HttpResponse<String>> f = client.send(path);
    pending.add(f);
    return f;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.get(path);
  }
}
