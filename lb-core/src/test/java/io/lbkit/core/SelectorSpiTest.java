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

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The selector SPI as users call it: {@link PickerInputs}, selectors written against the deprecated
 * methods, the registry by name, snapshot listeners and reachability.
 */
class SelectorSpiTest {
  private static final List<Server> THREE =
      List.of(
          Server.builder("127.0.0.1", 1).id("a").build(),
          Server.builder("127.0.0.1", 2).id("b").build(),
          Server.builder("127.0.0.1", 3).id("c").build());

  private static LoadBalancer balancer(Selector selector) {
    return LoadBalancer.builder().selector(selector).servers(THREE).build();
  }

  /** A selector written against the old, single-method SPI. */
  @SuppressWarnings("deprecation")
  private static final class FirstSelector implements Selector {
    @Override
    public Picker newPicker(ImmutableList<Endpoint> endpoints) {
      Endpoint first = endpoints.get(0);
      return now -> first;
    }
  }

  @Test
  void aSelectorWrittenAgainstTheOldMethodKeepsWorking() {
    LoadBalancer lb = balancer(new FirstSelector());
    assertThat(lb.pick().server().id()).isEqualTo("a");
    lb.setHealth("a", HealthState.UNHEALTHY);
    assertThat(lb.pick().server().id()).isEqualTo("b");
  }

  @Test
  void aSelectorImplementingNoMethodFailsNamingItself() {
    Selector none = new Selector() {};
    assertThatThrownBy(() -> balancer(none))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("newPicker(PickerInputs)");
  }

  @Test
  @SuppressWarnings("deprecation")
  void theOldMethodsStillBuildPickersOfBuiltInSelectors() {
    LoadBalancer lb = balancer(Selectors.roundRobin());
    Selector rr = Selectors.roundRobin();
    Selector.Picker picker = rr.newPicker(lb.eligibleEndpoints());
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      counts.merge(picker.pick(0).server().id(), 1, Integer::sum);
    }
    assertThat(counts).containsEntry("a", 100).containsEntry("b", 100).containsEntry("c", 100);
  }

  /** The inputs carry the whole membership, with each server's health, and the random source. */
  @Test
  void inputsCarryTheWholeMembership() {
    AtomicReference<PickerInputs> seen = new AtomicReference<>();
    Selector spy =
        new Selector() {
          @Override
          public Picker newPicker(PickerInputs inputs) {
            seen.set(inputs);
            Endpoint first = inputs.endpoints().get(0);
            return now -> first;
          }
        };
    LoadBalancer lb = LoadBalancer.builder().selector(spy).servers(THREE).panicThreshold(0).build();
    lb.setHealth("b", HealthState.DRAINING);
    PickerInputs inputs = Objects.requireNonNull(seen.get());
    assertThat(inputs.endpoints()).extracting(e -> e.server().id()).containsExactly("a", "c");
    assertThat(inputs.servers()).extracting(Server::id).containsExactly("a", "b", "c");
    assertThat(inputs.health("b")).isEqualTo(HealthState.DRAINING);
    assertThatThrownBy(() -> inputs.health("zz"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'zz'");
  }

  /** The in-flight total counts picks of every server, and completions release it. */
  @Test
  void theInFlightTotalFollowsPicksAndCompletions() {
    AtomicReference<PickerInputs> seen = new AtomicReference<>();
    Selector totals =
        new Selector() {
          @Override
          public Picker newPicker(PickerInputs inputs) {
            seen.set(inputs);
            AtomicLong next = new AtomicLong();
            ImmutableList<Endpoint> endpoints = inputs.endpoints();
            return now -> endpoints.get((int) (next.getAndIncrement() % endpoints.size()));
          }

          @Override
          public boolean usesInFlightTotal() {
            return true;
          }
        };
    FakeTicker ticker = new FakeTicker();
    LoadBalancer lb = LoadBalancer.builder().selector(totals).servers(THREE).ticker(ticker).build();
    List<Pick> picks = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      picks.add(lb.pick());
    }
    PickerInputs inputs = Objects.requireNonNull(seen.get());
    assertThat(inputs.inFlightTotal(ticker.read())).isEqualTo(7);
    picks.remove(0).success();
    picks.remove(0).failure();
    long start = lb.pickStart();
    Endpoint e = lb.pickEndpoint(start);
    assertThat(inputs.inFlightTotal(ticker.read())).isEqualTo(6);
    lb.complete(e, start, Outcome.SUCCESS);
    assertThat(inputs.inFlightTotal(ticker.read())).isEqualTo(5);
  }

  @Test
  void everyNameOfTheRegistryBuildsASelector() {
    assertThat(Selectors.names())
        .contains("round_robin", "power_of_two_choices", "least_response_time", "maglev");
    for (String name : Selectors.names()) {
      Selector s = Selectors.byName(name);
      assertThat(balancer(s).pick().server()).as(name).isNotNull();
      assertThat(Selectors.byName(name)).as(name).isNotSameAs(s);
    }
    assertThat(Selectors.byName("power_of_two_choices").name()).isEqualTo("power_of_two_choices");
  }

  @Test
  void anUnknownNameIsRejectedListingTheKnownOnes() {
    assertThatThrownBy(() -> Selectors.byName("round_robbin"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'round_robbin'")
        .hasMessageContaining("round_robin, weighted_round_robin");
    String missing = nullString();
    assertThatThrownBy(() -> Selectors.byName(missing))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("name");
  }

  @SuppressWarnings("NullAway") // a caller without null checks
  private static String nullString() {
    return null;
  }

  /**
   * A snapshot listener hears the initial state and every change; each snapshot picks from its own
   * state, not the latest.
   */
  @Test
  void snapshotListenersHearEveryPublishAndPickFromTheirOwnState() throws Exception {
    List<BalancerSnapshot> heard = new CopyOnWriteArrayList<>();
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(THREE)
            .snapshotListener(heard::add)
            .build();
    assertThat(heard).hasSize(1);
    BalancerSnapshot initial = heard.get(0);
    assertThat(initial.balancer()).isSameAs(lb);
    assertThat(initial.endpoints()).hasSize(3);

    lb.removeServer("a");
    lb.removeServer("b");
    assertThat(heard).hasSize(3);
    assertThat(heard.get(2).endpoints()).extracting(e -> e.server().id()).containsExactly("c");
    assertThat(lb.snapshot().endpoints()).extracting(e -> e.server().id()).containsExactly("c");

    // The initial snapshot still picks among its own three servers, and counts in flight.
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      long start = lb.pickStart();
      Endpoint e = initial.pickEndpoint(start);
      counts.merge(e.server().id(), 1, Integer::sum);
      lb.complete(e, start, Outcome.SUCCESS);
    }
    assertThat(counts).containsOnlyKeys("a", "b", "c");

    // A change on another thread reaches the listener there.
    CountDownLatch other = new CountDownLatch(1);
    LoadBalancer watched =
        LoadBalancer.builder()
            .selector(Selectors.random())
            .servers(THREE)
            .snapshotListener(
                s -> {
                  if (s.endpoints().size() == 2) {
                    other.countDown();
                  }
                })
            .build();
    Thread t = new Thread(() -> watched.setHealth("a", HealthState.UNHEALTHY));
    t.start();
    assertThat(other.await(30, TimeUnit.SECONDS)).isTrue();
    t.join();
  }

  @Test
  void aFailingListenerDoesNotFailTheChange() {
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.random())
            .servers(THREE)
            .snapshotListener(
                s -> {
                  throw new IllegalStateException("listener bug");
                })
            .build();
    lb.removeServer("a");
    assertThat(lb.servers()).hasSize(2);
  }

  /**
   * An unreachable server is never picked, not even in panic mode, reports UNHEALTHY with its
   * reason, and keeps what the application set.
   */
  @Test
  void unreachableServersAreNotPickedEvenInPanicMode() {
    LoadBalancer lb = balancer(Selectors.roundRobin());
    lb.setReachable("a", false, "subchannel TRANSIENT_FAILURE");
    lb.setReachable("b", false, "subchannel TRANSIENT_FAILURE");
    assertThat(lb.health("a")).hasValue(HealthState.UNHEALTHY);
    assertThat(lb.status("a").orElseThrow().reason()).contains("TRANSIENT_FAILURE");
    // Two of three down is below the 50% panic threshold of the reachable servers? No: unreachable
    // servers are out of the count, as servers the application took out are, so no panic.
    for (int i = 0; i < 30; i++) {
      assertThat(lb.pick().server().id()).isEqualTo("c");
    }
    lb.setReachable("a", true, "subchannel READY");
    assertThat(lb.health("a")).hasValue(HealthState.HEALTHY);
    assertThatThrownBy(() -> lb.setReachable("zz", false, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'zz'");
  }
}
