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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Least response time with long streams: a request whose response started counts in flight until it
 * ends, but not as load, so a server holding streams keeps its share of new requests. Driven by a
 * fake ticker, through the balancer's public pick paths (with and without a handle).
 */
class LeastResponseTimeStreamsTest {
  private static final long MS = 1_000_000L;

  private final FakeTicker ticker = new FakeTicker(Duration.ofDays(3).toNanos());

  private LoadBalancer balancer(Selector selector) {
    return LoadBalancer.builder()
        .selector(selector)
        .ticker(ticker)
        .inFlightExpiry(Duration.ofSeconds(10))
        .servers(Server.of("a", 80), Server.of("b", 80))
        .build();
  }

  /** Sequential 1 ms requests; returns how many went to host a. */
  private int requestsToA(LoadBalancer lb, int n) {
    int toA = 0;
    for (int i = 0; i < n; i++) {
      Pick p = lb.pick();
      ticker.advanceNanos(MS);
      p.success();
      if (p.server().host().equals("a")) {
        toA++;
      }
    }
    return toA;
  }

  /** Opens {@code n} picks on host a whose responses start after 1 ms; they stay open. */
  private List<Pick> streamsOnA(LoadBalancer lb, int n, boolean start) {
    List<Pick> streams = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Pick p = lb.pickServer("a:80").orElseThrow();
      streams.add(p);
    }
    ticker.advanceNanos(MS);
    if (start) {
      for (Pick p : streams) {
        assertThat(p.responseStarted()).isTrue();
      }
    }
    return streams;
  }

  @Test
  void serverHoldingStartedStreamsKeepsItsShare() {
    try (LoadBalancer lb = balancer(Selectors.leastResponseTime())) {
      requestsToA(lb, 200);
      List<Pick> streams = streamsOnA(lb, 5, true);
      int toA = requestsToA(lb, 2000);
      // Fair is 1000; within 20% of it. Counting the streams as load gave a none.
      assertThat(toA).isBetween(800, 1200);
      assertThat(lb.status("a:80").orElseThrow().inFlight()).as("streams in flight").isEqualTo(5);
      // The time to first response is the sample: 1 ms, not the streams' life.
      ticker.advanceNanos(2_000 * MS);
      streams.forEach(Pick::success);
      assertThat(lb.status("a:80").orElseThrow().inFlight()).isZero();
      assertThat(lb.status("a:80").orElseThrow().latencyEstimateNanos()).isLessThan(10.0 * MS);
      // Completed: their starts no longer count either, so the share stays fair.
      assertThat(requestsToA(lb, 2000)).isBetween(800, 1200);
    }
  }

  @Test
  void requestsAwaitingTheirFirstResponseStillCountAsLoad() {
    try (LoadBalancer lb = balancer(Selectors.leastResponseTime())) {
      requestsToA(lb, 200);
      List<Pick> awaited = streamsOnA(lb, 5, false);
      assertThat(requestsToA(lb, 500)).isZero();
      awaited.forEach(Pick::success);
    }
  }

  @Test
  void startedStreamThatIsNeverCompletedExpiresWithItsSlot() {
    try (LoadBalancer lb = balancer(Selectors.leastResponseTime())) {
      requestsToA(lb, 200);
      streamsOnA(lb, 5, true); // dropped: never completed
      // Two expiry epochs later both counts of the dropped picks are gone...
      ticker.advanceNanos(Duration.ofSeconds(25).toNanos());
      assertThat(lb.status("a:80").orElseThrow().inFlight()).isZero();
      // ...so requests awaiting their answer count in full again: the dropped starts do not
      // cancel them out.
      List<Pick> awaited = streamsOnA(lb, 3, false);
      assertThat(requestsToA(lb, 300)).isZero();
      awaited.forEach(Pick::success);
    }
  }

  @Test
  void leastConnectionsStillCountsStreamsForTheirWholeLife() {
    try (LoadBalancer lb = balancer(Selectors.leastConnections())) {
      List<Pick> streams = streamsOnA(lb, 1, true);
      assertThat(requestsToA(lb, 200)).isZero();
      streams.forEach(Pick::success);
    }
  }

  @Test
  void responseStartedAfterTheOutcomeChangesNothing() {
    try (LoadBalancer lb = balancer(Selectors.leastResponseTime())) {
      requestsToA(lb, 200);
      Pick p = lb.pickServer("a:80").orElseThrow();
      p.complete(Outcome.CANCELLED);
      assertThat(p.responseStarted()).isFalse();
      List<Pick> awaited = streamsOnA(lb, 1, false);
      assertThat(requestsToA(lb, 100)).isZero();
      awaited.forEach(Pick::success);
      // That success was a sample of over 100 ms, which holds a off for a few decay times (its
      // share over the next 2 s sits near 800 of 2000); after them, a has its fair share again.
      requestsToA(lb, 2000);
      assertThat(requestsToA(lb, 2000)).isBetween(800, 1200);
    }
  }

  @Test
  void pickWithoutAHandleReportsItsResponseStart() {
    try (LoadBalancer lb = balancer(Selectors.leastResponseTime())) {
      requestsToA(lb, 200);
      List<Endpoint> streams = new ArrayList<>();
      List<Long> starts = new ArrayList<>();
      while (streams.size() < 5) {
        long start = lb.pickStart();
        Endpoint e = lb.pickEndpoint(start);
        ticker.advanceNanos(MS);
        if (e.server().host().equals("a")) {
          lb.responseStarted(e, start);
          streams.add(e);
          starts.add(start);
        } else {
          lb.complete(e, start, Outcome.SUCCESS);
        }
      }
      assertThat(requestsToA(lb, 2000)).isBetween(800, 1200);
      ticker.advanceNanos(2_000 * MS);
      for (int i = 0; i < streams.size(); i++) {
        lb.completeStarted(streams.get(i), starts.get(i), Outcome.SUCCESS);
      }
      ServerStatus a = lb.status("a:80").orElseThrow();
      assertThat(a.inFlight()).isZero();
      // No second sample at completion: the estimate is the 1 ms time to first response.
      assertThat(a.latencyEstimateNanos()).isLessThan(10.0 * MS);
      assertThat(requestsToA(lb, 2000)).isBetween(800, 1200);
    }
  }

  @Test
  @SuppressWarnings("NullAway") // the point: null arguments
  void pickWithoutAHandleRejectsBadArguments() {
    try (LoadBalancer lb = balancer(Selectors.leastResponseTime());
        LoadBalancer other = balancer(Selectors.leastResponseTime())) {
      long start = other.pickStart();
      Endpoint foreign = other.pickEndpoint(start);
      assertThatThrownBy(() -> lb.responseStarted(foreign, start))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("was not picked by");
      assertThatThrownBy(() -> lb.completeStarted(foreign, start, Outcome.SUCCESS))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("was not picked by");
      assertThatThrownBy(() -> lb.responseStarted(null, start))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("endpoint");
      Endpoint own = lb.pickEndpoint(lb.pickStart());
      assertThatThrownBy(() -> lb.completeStarted(own, start, null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("outcome");
    }
  }
}
