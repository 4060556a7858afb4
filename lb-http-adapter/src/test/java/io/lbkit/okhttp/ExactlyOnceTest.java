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
package io.lbkit.okhttp;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbkit.core.FakeTicker;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.Pick;
import io.lbkit.core.Selectors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The interceptor picks without a handle, so reporting each attempt exactly once is its own job.
 * Every test holds picks of its own on the servers, made through the balancer's public API, and
 * checks that each server's in-flight count comes back to exactly those: a second report of an
 * attempt would release one of them (one too few), a lost report would leave the attempt counted
 * (one too many).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExactlyOnceTest {
  private final FakeTicker ticker = new FakeTicker();
  private final List<Backend> backends = new ArrayList<>();
  private final List<Pick> held = new ArrayList<>();
  private @Nullable LoadBalancer balancer;
  private @Nullable OkHttpClient client;

  private LoadBalancer balancer() {
    return requireNonNull(balancer, "start() first");
  }

  private OkHttpClient client() {
    return requireNonNull(client, "start() first");
  }

  private void start(int servers) throws IOException {
    for (int i = 0; i < servers; i++) {
      backends.add(Backend.start("s" + i));
    }
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .servers(backends.stream().map(Backend::server).toList())
            .ticker(ticker)
            .outlierDetection(
                OutlierDetection.builder().consecutiveFailures(2).disableSuccessRate().build())
            .panicThreshold(0)
            .build();
    balancer = lb;
    client =
        TestClients.builder(LoadBalancingInterceptor.builder().service("inventory", lb).build())
            .build();
  }

  @AfterEach
  void tearDown() {
    held.forEach(Pick::close);
    OkHttpClient c = client;
    if (c != null) {
      TestClients.shutdown(c);
    }
    LoadBalancer lb = balancer;
    if (lb != null) {
      lb.close();
    }
    backends.forEach(Backend::close);
  }

  @Test
  void readToTheEndThenClosedTwiceReportsOnce() throws Exception {
    start(1);
    hold("s0", 1);
    backends.get(0).behave(Backend.ok());

    Response response = call();
    assertThat(inFlight("s0")).isEqualTo(2);
    assertThat(response.body().string()).isEqualTo("ok"); // end of body: reported
    response.close();
    response.close();

    assertThat(inFlight("s0")).isEqualTo(1);
  }

  @Test
  void bodyReadToTheEndAndClosedOnTwoThreadsAtOnceReportsOnce() throws Exception {
    start(1);
    hold("s0", 1);
    backends.get(0).behave(r -> new MockResponse.Builder().body("x".repeat(10_000)).build());
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      for (int i = 0; i < 50; i++) {
        Response response = call();
        CyclicBarrier together = new CyclicBarrier(2);
        Future<?> reader =
            threads.submit(
                () -> {
                  together.await(10, TimeUnit.SECONDS);
                  try {
                    response.body().source().readUtf8(); // to the end: reports
                  } catch (IOException | RuntimeException closedMeanwhile) {
                    // The other thread closed the body first, or while this one read (OkHttp's
                    // bodies are not meant to be shared between threads, and say so in more
                    // than one way): whichever report came first counts.
                  }
                  return null;
                });
        Future<?> closer =
            threads.submit(
                () -> {
                  together.await(10, TimeUnit.SECONDS);
                  try {
                    response.close(); // reports, unless the end of the body came first
                  } catch (RuntimeException readMeanwhile) {
                    // Closed while the other thread read: still reported exactly once.
                  }
                  return null;
                });
        reader.get(10, TimeUnit.SECONDS);
        closer.get(10, TimeUnit.SECONDS);
        assertThat(inFlight("s0")).as("after call %d", i).isEqualTo(1);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void failureWhileReadingTheBodyThenCloseReportsOneFailure() throws Exception {
    start(1);
    hold("s0", 1);
    // Half the body, then the server drops the connection.
    backends
        .get(0)
        .behave(
            r ->
                new MockResponse.Builder()
                    .body("x".repeat(100_000))
                    .onResponseBody(new SocketEffect.CloseSocket(true, false, false))
                    .build());

    Response response = call();
    assertThatThrownBy(() -> response.body().string()).isInstanceOf(IOException.class);
    response.close();
    response.close();

    assertThat(inFlight("s0")).isEqualTo(1);
    // One failure, not two: two in a row would have ejected the server.
    assertThat(balancer().health("s0")).contains(HealthState.HEALTHY);
  }

  @Test
  void retriedAttemptsReportOnceEach() throws Exception {
    start(2);
    // Least connections sends the first attempt to s0, the less loaded; its 503 is retried on s1.
    hold("s0", 1);
    hold("s1", 2);
    backends.get(0).behave(Backend.status(503));
    backends.get(1).behave(Backend.ok());

    try (Response response = call()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(backends.get(0).requests()).isEqualTo(1);
      assertThat(inFlight("s0")).isEqualTo(1); // the retried attempt reported at once
      assertThat(inFlight("s1")).isEqualTo(3); // the answering one, until its body is closed
      assertThat(response.body().string()).isEqualTo("ok");
    }

    assertThat(inFlight("s0")).isEqualTo(1);
    assertThat(inFlight("s1")).isEqualTo(2);
  }

  @Test
  void callCancelledBeforeTheHeadersReportsOnce() throws Exception {
    start(1);
    hold("s0", 1);
    CountDownLatch release = new CountDownLatch(1);
    backends.get(0).behave(Backend.blockUntil(release));
    try {
      Call call = client().newCall(new Request.Builder().url("http://inventory/x").build());
      CompletableFuture<Throwable> failed = new CompletableFuture<>();
      call.enqueue(
          new okhttp3.Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
              failed.complete(e);
            }

            @Override
            public void onResponse(Call c, Response r) {
              r.close();
              failed.complete(new AssertionError("the call was answered"));
            }
          });
      await(() -> backends.get(0).requests() == 1);
      assertThat(inFlight("s0")).isEqualTo(2);

      call.cancel();

      assertThat(failed.get(20, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
      await(() -> inFlight("s0") == 1);
      // Cancelled is not the server's fault, and it is reported once: still one held pick.
      assertThat(balancer().health("s0")).contains(HealthState.HEALTHY);
      assertThat(inFlight("s0")).isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void callCancelledWhileReadingTheBodyThenClosedReportsOnce() throws Exception {
    start(1);
    hold("s0", 1);
    backends
        .get(0)
        .behave(
            r ->
                new MockResponse.Builder()
                    .body("x".repeat(2_000))
                    .throttleBody(100, 100, TimeUnit.MILLISECONDS)
                    .build());
    Call call = client().newCall(new Request.Builder().url("http://inventory/x").build());
    Response response = call.execute();
    assertThat(inFlight("s0")).isEqualTo(2);

    call.cancel();
    assertThatThrownBy(() -> response.body().string()).isInstanceOf(IOException.class);
    response.close();
    response.close();

    assertThat(inFlight("s0")).isEqualTo(1);
    assertThat(balancer().health("s0")).contains(HealthState.HEALTHY);
  }

  /** Holds {@code n} picks of server {@code id}, through the balancer's public API. */
  private void hold(String id, int n) {
    for (int i = 0; i < n; i++) {
      held.add(balancer().pickServer(id).orElseThrow());
    }
  }

  private int inFlight(String id) {
    return balancer().status(id).orElseThrow().inFlight();
  }

  private Response call() throws IOException {
    return client().newCall(new Request.Builder().url("http://inventory/x").build()).execute();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("condition within 20 s").isNegative();
      Thread.sleep(5);
    }
  }
}
