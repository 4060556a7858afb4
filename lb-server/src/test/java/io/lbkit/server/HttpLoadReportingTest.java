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
  private HttpServer server;
  private LoadClient client;

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
    client = new LoadClient("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
    pool.shutdownNow();
  }

  @Test
  void everyResponseCarriesTheLoadHeader() throws Exception {
    HttpResponse<String> response = client.get("/work");
    assertThat(response.statusCode()).isEqualTo(200);
    // Sent with the headers, while this request is still in flight.
    assertThat(LoadClient.header(response).requestsInFlight()).hasValue(1);
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
      holds[i] = client.send("/hold");
    }
    client.awaitProbe(l -> l.requestsInFlight().orElse(-1) >= held, "the held requests");
    assertThat(client.probe().requestsInFlight()).hasValue(held);
    release.countDown();
    CompletableFuture.allOf(holds).get(30, TimeUnit.SECONDS);
    ServerLoad after = client.probe();
    assertThat(after.requestsInFlight()).hasValue(0);
    assertThat(after.latency()).isPresent();

    HttpResponse<String> head = client.head(LoadReportingFilter.DEFAULT_PROBE_PATH);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue(LoadMetricsHeader.NAME)).isPresent();
  }

  @Test
  void serverErrorsCountAsErrors() throws Exception {
    for (int i = 0; i < 4; i++) {
      assertThat(client.get("/fail").statusCode()).isEqualTo(503);
    }
    // Rates are per window of a second: poll until one has passed.
    client.awaitProbe(l -> l.eps() > 0, "errors per second");
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
}
