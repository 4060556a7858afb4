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
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** What {@link LoadBalancerObserver}s hear, and that a failing one breaks nothing. */
class LoadBalancerObserverTest {
  private static final Server A = Server.of("a", 80);
  private static final Server B = Server.of("b", 80);

  private final FakeTicker ticker = FakeTicker.awayFromZero();

  /** Records every event as text. */
  private static final class Recorder implements LoadBalancerObserver {
    final List<String> events = new CopyOnWriteArrayList<>();
    @Nullable LoadBalancer built;

    @Override
    public void onBuilt(LoadBalancer balancer) {
      built = balancer;
    }

    @Override
    public void onOutcome(Server server, Outcome outcome, long latencyNanos) {
      events.add(server.id() + " " + outcome + " " + latencyNanos);
    }

    @Override
    public void onNoServer(NoAvailableServerException.Reason reason) {
      events.add("none " + reason);
    }

    @Override
    public void onStateChange(Server server, HealthState from, HealthState to, String reason) {
      events.add(server.id() + " -> " + to);
    }
  }

  @Test
  void observersHearOutcomesWithRealLatencyEvenWhenTheSelectorIgnoresTime() {
    Recorder r = new Recorder();
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin()) // times nothing by itself
            .ticker(ticker)
            .servers(A)
            .observer(r)
            .build();
    assertThat(r.built).isSameAs(lb);

    Pick p = lb.pick();
    assertThat(lb.status("a:80").orElseThrow().inFlight()).isEqualTo(1);
    ticker.advance(Duration.ofMillis(7));
    p.success();
    long start = lb.pickStart();
    Endpoint e = lb.pickEndpoint(start);
    ticker.advance(Duration.ofMillis(3));
    lb.complete(e, start, Outcome.TIMEOUT);
    lb.pick().close();
    lb.complete(lb.pickEndpoint(lb.pickStart()), 0, Outcome.FAILURE, -5); // negative: 0

    assertThat(r.events)
        .containsExactly(
            "a:80 SUCCESS 7000000", "a:80 TIMEOUT 3000000", "a:80 CANCELLED 0", "a:80 FAILURE 0");
    lb.close();
  }

  @Test
  void observersHearEveryPickThatFoundNoServerWithItsReason() {
    Recorder r = new Recorder();
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(
                Selectors.subset(
                    SubsetRule.byAttribute("version", "version"),
                    Selectors.roundRobin(),
                    SubsetFallback.NO_ENDPOINT))
            .servers(A, B)
            .observer(r)
            .build();
    PickContext allExcluded = PickContext.builder().exclude("a:80").exclude("b:80").build();
    assertThatThrownBy(() -> lb.pick(allExcluded)).isInstanceOf(NoAvailableServerException.class);
    PickContext v9 = PickContext.builder().attribute("version", "9").build();
    assertThatThrownBy(() -> lb.pickEndpoint(lb.pickStart(), v9))
        .isInstanceOf(NoAvailableServerException.class);
    lb.setHealth("a:80", HealthState.UNHEALTHY);
    lb.setHealth("b:80", HealthState.DRAINING);
    assertThatThrownBy(lb::pick).isInstanceOf(NoAvailableServerException.class);
    lb.clear();
    assertThatThrownBy(() -> lb.pickEndpoint(lb.pickStart()))
        .isInstanceOf(NoAvailableServerException.class);

    assertThat(r.events)
        .containsExactly(
            "none ALL_EXCLUDED",
            "none NO_MATCHING_SUBSET",
            "a:80 -> UNHEALTHY",
            "b:80 -> DRAINING",
            "none ALL_UNHEALTHY_OR_DRAINING",
            "none NO_SERVERS");
    lb.close();
  }

  @Test
  void aFailingObserverKeepsNeitherTheCallerNorOtherObserversFromTheirWork() {
    LoadBalancerObserver failing =
        new LoadBalancerObserver() {
          @Override
          public void onOutcome(Server server, Outcome outcome, long latencyNanos) {
            throw new IllegalStateException("broken observer");
          }

          @Override
          public void onNoServer(NoAvailableServerException.Reason reason) {
            throw new IllegalStateException("broken observer");
          }
        };
    Recorder r = new Recorder();
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .servers(A)
            .observer(failing)
            .observer(r)
            .build();
    Pick p = lb.pick();
    assertThat(p.complete(Outcome.SUCCESS)).isTrue();
    assertThat(lb.status("a:80").orElseThrow().inFlight()).isZero();
    lb.clear();
    NoAvailableServerException thrown = (NoAvailableServerException) catchThrowable(lb::pick);
    assertThat(thrown.reason()).isEqualTo(NoAvailableServerException.Reason.NO_SERVERS);
    assertThat(r.events).hasSize(2);
    lb.close();
  }

  @Test
  void anObserverMayRefuseASecondBalancerAndThatBuildLeavesNothingRunning() {
    LoadBalancerObserver once =
        new LoadBalancerObserver() {
          @Nullable LoadBalancer first;

          @Override
          public void onBuilt(LoadBalancer balancer) {
            if (first != null) {
              throw new IllegalStateException("observes " + first.name() + " already");
            }
            first = balancer;
          }
        };
    LoadBalancer lb =
        LoadBalancer.builder().name("one").selector(Selectors.random()).observer(once).build();
    Selector rotation = Selectors.roundRobin();
    LoadBalancerBuilder second =
        LoadBalancer.builder().name("two").selector(rotation).servers(A).observer(once);
    assertThatThrownBy(second::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("observes one already");
    // The refused balancer was closed: its round-robin selector may serve another balancer.
    LoadBalancer third = LoadBalancer.builder().name("three").selector(rotation).servers(A).build();
    assertThat(third.pick().server()).isEqualTo(A);
    third.close();
    lb.close();
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose
  void aNullObserverIsRejected() {
    assertThatThrownBy(() -> LoadBalancer.builder().observer(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("observer");
  }
}
