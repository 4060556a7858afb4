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

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.FakeTicker;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.Selectors;
import io.lbkit.core.ServerStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each attempt completes its pick exactly once, and a response is accounted when its body is read
 * to the end or closed, not when the headers arrive.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class AccountingTest {
  private final FakeTicker ticker = new FakeTicker();
  private Backend backend;
  private LoadBalancer balancer;
  private OkHttpClient client;

  @BeforeEach
  void setUp() throws Exception {
    backend = Backend.start("s0");
    balancer =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .servers(backend.server())
            .ticker(ticker)
            .outlierDetection(
                OutlierDetection.builder().consecutiveFailures(2).disableSuccessRate().build())
            .panicThreshold(0)
            .build();
    client =
        TestClients.builder(
                LoadBalancingInterceptor.builder().service("inventory", balancer).build())
            .build();
  }

  @AfterEach
  void tearDown() {
    TestClients.shutdown(client);
    balancer.close();
    backend.close();
  }

  @Test
  void latencyIsTimeToResponseHeadersButTheBodyCountsInFlightUntilClosed() throws Exception {
    backend.behave(
        r -> {
          ticker.advance(Duration.ofMillis(100)); // the server takes 100 ms to answer
          return new MockResponse.Builder().body("x".repeat(100_000)).build();
        });

    Response response = call();
    // Headers are here, the body is not read yet: the request is in flight.
    assertThat(status().inFlight()).isEqualTo(1);

    ticker.advance(Duration.ofSeconds(3)); // the caller takes 3 s to consume the body
    assertThat(response.body().string()).hasSize(100_000);

    assertThat(status().inFlight()).isZero();
    // The sample is the 100 ms to the headers, not the 3.1 s since the pick: how long a caller
    // streams says nothing about the server. (Read 3 s after the sample's time, the estimate of an
    // idle server has decayed towards zero a little: 74 ms with the default decay; a sample of the
    // 3.1 s would read as seconds.)
    assertThat(status().latencyEstimateNanos()).isBetween(5e7, 1e8);
  }

  @Test
  void slowlyStreamedBodyDoesNotMakeTheServerLookSlow() throws Exception {
    try (LoadBalancer realTime =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .servers(backend.server())
            .build()) {
      OkHttpClient streaming =
          TestClients.builder(
                  LoadBalancingInterceptor.builder().service("inventory", realTime).build())
              .build();
      // Headers at once, then 2,000 bytes at 100 bytes per 100 ms: about 2 s of body.
      backend.behave(
          r ->
              new MockResponse.Builder()
                  .body("x".repeat(2_000))
                  .throttleBody(100, 100, TimeUnit.MILLISECONDS)
                  .build());

      try (Response response =
          streaming.newCall(new Request.Builder().url("http://inventory/x").build()).execute()) {
        assertThat(realTime.status("s0").orElseThrow().inFlight()).isEqualTo(1);
        long start = System.nanoTime();
        assertThat(response.body().string()).hasSize(2_000);
        assertThat(System.nanoTime() - start).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(1_500));
      }

      ServerStatus status = realTime.status("s0").orElseThrow();
      assertThat(status.inFlight()).isZero();
      // Time to headers on loopback: far below the body's 2 s even on a loaded machine.
      assertThat(status.latencyEstimateNanos()).isPositive().isLessThan(1e9); // 1 s
      TestClients.shutdown(streaming);
    }
  }

  @Test
  void failureStatusIsReportedWhenTheResponseIsClosedNotBefore() throws Exception {
    backend.behave(Backend.status(500)); // a failure, but not a retry status

    try (Response first = call()) {
      assertThat(first.code()).isEqualTo(500);
    }
    Response second = call();
    assertThat(second.code()).isEqualTo(500);
    // Two failures make an ejection, but the second is only reported on close.
    assertThat(balancer.health("s0")).contains(HealthState.HEALTHY);

    second.close();

    assertThat(balancer.health("s0")).contains(HealthState.EJECTED);
  }

  @Test
  void closingTwiceAndReadingToTheEndReportOnlyOnce() throws Exception {
    backend.behave(Backend.status(503)); // a failure; with one server there is no retry

    Response response = call();
    assertThat(response.body().string()).isEqualTo("status 503"); // end of body: reported
    response.close();
    response.close();

    // Exactly one failure so far (two would have ejected the server).
    assertThat(balancer.health("s0")).contains(HealthState.HEALTHY);
    assertThat(status().inFlight()).isZero();
  }

  @Test
  void successStatusesCountAsSuccessAndCustomFailureStatusesAreHonoured() throws Exception {
    TestClients.shutdown(client);
    client =
        TestClients.builder(
                LoadBalancingInterceptor.builder()
                    .service("inventory", balancer)
                    .failureStatuses(code -> code == 404) // say a 404 here means misrouting
                    .build())
            .build();
    backend.behave(Backend.status(503));
    call().close();
    call().close();
    assertThat(balancer.health("s0")).contains(HealthState.HEALTHY);

    backend.behave(Backend.status(404));
    call().close();
    call().close();
    assertThat(balancer.health("s0")).contains(HealthState.EJECTED);
  }

  @Test
  void emptyBodyIsAccountedAtOnce() throws Exception {
    backend.behave(r -> new MockResponse.Builder().code(204).build());

    Response response = call();

    assertThat(response.code()).isEqualTo(204);
    assertThat(status().inFlight()).isZero();
    response.close();
  }

  private Response call() throws Exception {
    return client.newCall(new Request.Builder().url("http://inventory/x").build()).execute();
  }

  private ServerStatus status() {
    return balancer.status("s0").orElseThrow();
  }
}
