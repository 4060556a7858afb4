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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The JDK's HTTP client against one server that reports its load with one of lb-server's HTTP
 * filters at the default probe path: requests, probes, and waits for a probed load.
 */
final class LoadClient {
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;

  /** A client of the server at {@code base}, such as {@code http://127.0.0.1:8080/app}. */
  LoadClient(String base) {
    this.base = base;
  }

  HttpResponse<String> get(String path) throws Exception {
    return client.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> head(String path) throws Exception {
    return client.send(
        request(path).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  CompletableFuture<HttpResponse<String>> send(String path) {
    return client.sendAsync(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A probe of the default probe path; its body and its header must say the same. */
  ServerLoad probe() throws Exception {
    HttpResponse<String> response = get(LoadReporting.DEFAULT_PROBE_PATH);
    assertThat(response.statusCode()).isEqualTo(200);
    ServerLoad load = LoadMetricsHeader.parse(response.body());
    assertThat(load).isNotNull().isEqualTo(header(response));
    return Objects.requireNonNull(load);
  }

  /** Probes until the load is as wanted (30 s at the most), and returns that load. */
  ServerLoad awaitProbe(Predicate<ServerLoad> wanted, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    ServerLoad load = probe();
    while (!wanted.test(load) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      load = probe();
    }
    assertThat(wanted.test(load)).as("%s, probed: %s", what, load).isTrue();
    return load;
  }

  /** The load a response's header carries; fails if it has none. */
  static ServerLoad header(HttpResponse<?> response) {
    ServerLoad load =
        LoadMetricsHeader.parse(response.headers().firstValue(LoadMetricsHeader.NAME).orElse(null));
    assertThat(load).as("the %s header of %s", LoadMetricsHeader.NAME, response).isNotNull();
    return Objects.requireNonNull(load);
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
  }
}
