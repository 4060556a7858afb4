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

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real JDK HttpServer on loopback with the filter, and the JDK's HTTP client. */
class HttpLoadReportingTest {
  // Samples stay recent for the whole test, however slowly a loaded machine runs it.
  private final LoadRecorder recorder = LoadRecorder.create(Duration.ofMinutes(5));
  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService pool = Executors.newFixedThreadPool(8);
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(pool);
    server
        .createContext(
            "/",
            exchange -> {
              String path = exchange.getRequestURI().getPath();
              if (path.equals("/hold")) {
                try {
                  release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(path.equals("/fail") ? 503 : 200, body.length);
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
              }
            })
        .getFilters()
        .add(LoadReportingFilter.create(recorder));
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
    pool.shutdownNow();
  }

  @Test
  void everyResponseCarriesTheLoadHeader() throws Exception {
    HttpResponse<String> response = get("/work");
    assertThat(response.statusCode()).isEqualTo(200);
    ServerLoad load =
        java.util.Objects.requireNonNull(
            LoadMetricsHeader.parse(
                response.headers().firstValue(LoadMetricsHeader.NAME).orElse(null)));
    // Sent with the headers, while this request is still in flight.
    assertThat(load.requestsInFlight()).hasValue(1);
    // Counted out when the handler returns, which may be just after the client has the response.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (recorder.requestsInFlight() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(recorder.requestsInFlight()).isZero();
  }

  @Test
  void probePathAnswersTheRequestsInFlightWithoutCountingItself() throws Exception {
    int held = 3;
    CompletableFuture<?>[] holds = new CompletableFuture<?>[held];
    for (int i = 0; i < held; i++) {
      holds[i] =
          client.sendAsync(
              HttpRequest.newBuilder(uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    ServerLoad load = probe();
    while (load.requestsInFlight().orElse(-1) < held && System.nanoTime() < deadline) {
      Thread.sleep(10);
      load = probe();
    }
    assertThat(load.requestsInFlight()).hasValue(held);
    release.countDown();
    CompletableFuture.allOf(holds).get(30, TimeUnit.SECONDS);
    ServerLoad after = probe();
    assertThat(after.requestsInFlight()).hasValue(0);
    assertThat(after.latency()).isPresent();

    HttpResponse<Void> head =
        client.send(
            HttpRequest.newBuilder(uri(LoadReportingFilter.DEFAULT_PROBE_PATH))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue(LoadMetricsHeader.NAME)).isPresent();
  }

  @Test
  void serverErrorsCountAsErrors() throws Exception {
    for (int i = 0; i < 4; i++) {
      assertThat(get("/fail").statusCode()).isEqualTo(503);
    }
    // Rates are per window of a second: poll until one has passed.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    ServerLoad load = probe();
    while (load.eps() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      load = probe();
    }
    assertThat(load.eps()).isPositive();
  }

  @Test
  void rejectsBadProbePaths() {
    assertThatThrownBy(() -> LoadReportingFilter.create(recorder, "probe"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"probe\"");
    assertThatThrownBy(() -> LoadReportingFilter.create(recorder, "/p?x=1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/p?x=1");
  }

  private ServerLoad probe() throws Exception {
    HttpResponse<String> response = get(LoadReportingFilter.DEFAULT_PROBE_PATH);
    assertThat(response.statusCode()).isEqualTo(200);
    ServerLoad load = LoadMetricsHeader.parse(response.body());
    assertThat(load)
        .isNotNull()
        .isEqualTo(
            LoadMetricsHeader.parse(
                response.headers().firstValue(LoadMetricsHeader.NAME).orElse(null)));
    return java.util.Objects.requireNonNull(load);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }
}
