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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pick without a handle: {@link LoadBalancer#pickStart()}, {@link
 * LoadBalancer#pickEndpoint(long)} and {@link LoadBalancer#complete(Endpoint, long, Outcome)}, and
 * the coarse clock that picks of in-flight selectors read with the system ticker.
 */
class PickEndpointTest {
  private static final Server A = Server.builder("a", 80).build();
  private static final Server B = Server.builder("b", 80).build();

  private final FakeTicker ticker = new FakeTicker(1_000_000_000L);

  @Test
  void pickEndpointCountsInFlightUntilCompleted() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(ticker)
            .servers(A)
            .build();
    long start = lb.pickStart();
    Endpoint e = lb.pickEndpoint(start);
    assertThat(e.server()).isEqualTo(A);
    assertThat(e.inFlight()).isEqualTo(1);
    lb.complete(e, start, Outcome.SUCCESS);
    assertThat(e.inFlight()).isZero();
  }

  @Test
  void pickEndpointSteersLikeAPick() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(ticker)
            .servers(A, B)
            .build();
    long start = lb.pickStart();
    Endpoint first = lb.pickEndpoint(start);
    // The first is in flight, so least connections sends the next pick to the other server.
    for (int i = 0; i < 20; i++) {
      long s = lb.pickStart();
      Endpoint next = lb.pickEndpoint(s);
      assertThat(next).isNotSameAs(first);
      lb.complete(next, s, Outcome.SUCCESS);
    }
    lb.complete(first, start, Outcome.SUCCESS);
    assertThat(first.inFlight()).isZero();
  }

  @Test
  void latencyIsMeasuredFromTheStart() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .ticker(ticker)
            .servers(A)
            .build();
    long start = lb.pickStart();
    Endpoint e = lb.pickEndpoint(start);
    ticker.advance(Duration.ofMillis(5));
    lb.complete(e, start, Outcome.SUCCESS);
    assertThat(e.latencyEstimateNanos()).isEqualTo((double) TimeUnit.MILLISECONDS.toNanos(5));
  }

  @Test
  void aCallerMeasuredLatencyIsTaken() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .ticker(ticker)
            .servers(A)
            .build();
    long start = lb.pickStart();
    Endpoint e = lb.pickEndpoint(start);
    lb.complete(e, start, Outcome.SUCCESS, TimeUnit.MILLISECONDS.toNanos(3));
    assertThat(e.latencyEstimateNanos()).isEqualTo((double) TimeUnit.MILLISECONDS.toNanos(3));
  }

  @Test
  void aContextWithExclusionsIsHonoured() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.powerOfTwoChoices())
            .ticker(ticker)
            .servers(A, B)
            .build();
    PickContext retry = PickContext.builder().exclude(A.id()).build();
    for (int i = 0; i < 20; i++) {
      long start = lb.pickStart();
      Endpoint e = lb.pickEndpoint(start, retry);
      assertThat(e.server()).isEqualTo(B);
      lb.complete(e, start, Outcome.FAILURE);
    }
  }

  @Test
  void anotherBalancersEndpointIsRejected() {
    LoadBalancer one =
        LoadBalancer.builder()
            .name("one")
            .selector(Selectors.leastConnections())
            .servers(A)
            .build();
    LoadBalancer two =
        LoadBalancer.builder()
            .name("two")
            .selector(Selectors.leastConnections())
            .servers(A)
            .build();
    long start = one.pickStart();
    Endpoint e = one.pickEndpoint(start);
    assertThatThrownBy(() -> two.complete(e, start, Outcome.SUCCESS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two")
        .hasMessageContaining("a");
    assertThat(e.inFlight()).isEqualTo(1);
    one.complete(e, start, Outcome.SUCCESS);
    assertThat(e.inFlight()).isZero();
  }

  @Test
  @SuppressWarnings("NullAway") // the point: null arguments
  void aBalancerThatRecordsNothingCompletesWithoutReadingTheEndpoint() {
    // Weighted round robin without outlier detection or observers records nothing per pick: its
    // completion only checks its arguments for null, and an endpoint of another balancer changes
    // nothing there, while a balancer that records outcomes still refuses it.
    LoadBalancer plain =
        LoadBalancer.builder().selector(Selectors.weightedRoundRobin()).servers(A).build();
    LoadBalancer observed =
        LoadBalancer.builder()
            .selector(Selectors.weightedRoundRobin())
            .servers(A)
            .observer(new LoadBalancerObserver() {})
            .build();
    LoadBalancer counting =
        LoadBalancer.builder().selector(Selectors.leastConnections()).servers(A).build();
    long start = counting.pickStart();
    Endpoint foreign = counting.pickEndpoint(start);
    plain.complete(foreign, start, Outcome.SUCCESS);
    assertThat(foreign.inFlight()).isEqualTo(1);
    assertThatThrownBy(() -> observed.complete(foreign, start, Outcome.SUCCESS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> plain.complete(null, start, Outcome.SUCCESS))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("endpoint");
    assertThatThrownBy(() -> plain.complete(foreign, start, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("outcome");
    Endpoint own = plain.pickEndpoint(plain.pickStart());
    plain.complete(own, start, Outcome.SUCCESS);
    counting.complete(foreign, start, Outcome.SUCCESS);
    assertThat(foreign.inFlight()).isZero();
  }

  @Test
  @SuppressWarnings("NullAway") // the point: null arguments
  void nullsAreRejected() {
    LoadBalancer lb =
        LoadBalancer.builder().selector(Selectors.leastConnections()).servers(A).build();
    long start = lb.pickStart();
    Endpoint e = lb.pickEndpoint(start);
    assertThatThrownBy(() -> lb.complete(null, start, Outcome.SUCCESS))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("endpoint");
    assertThatThrownBy(() -> lb.complete(e, start, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("outcome");
    assertThatThrownBy(() -> lb.pickEndpoint(start, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("context");
  }

  @Test
  void withTheSystemTickerALeakedPickStillExpiresOnTheCoarseClock() throws Exception {
    // Least connections with the system ticker picks on the coarse clock. A leaked pick of one
    // server keeps every pick on the other while it counts, and stops counting within about two
    // expiries of real time while picks go on (they refresh the clock).
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .inFlightExpiry(Duration.ofMillis(200))
            .servers(A, B)
            .build();
    Pick leaked = lb.pick();
    Server other = leaked.server().equals(A) ? B : A;
    Pick next = lb.pick();
    assertThat(next.server()).isEqualTo(other);
    next.success();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    boolean leakedServerPickedAgain = false;
    while (!leakedServerPickedAgain && System.nanoTime() - deadline < 0) {
      Pick p = lb.pick();
      leakedServerPickedAgain = p.server().equals(leaked.server());
      p.success();
      Thread.onSpinWait();
    }
    assertThat(leakedServerPickedAgain).as("the leaked pick stopped counting").isTrue();
    assertThat(lb.eligibleEndpoints())
        .filteredOn(e -> e.server().equals(leaked.server()))
        .singleElement()
        .satisfies(e -> assertThat(e.inFlight()).isZero());
  }
}
