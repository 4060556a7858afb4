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

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Exact cycling of {@link Selectors#roundRobin()}. */
class RoundRobinSelectorTest {
  private static final Server A = Server.of("a", 80);
  private static final Server B = Server.of("b", 80);
  private static final Server C = Server.of("c", 80);
  private static final Server D = Server.of("d", 80);

  private static LoadBalancer balancer(Selector selector, Server... servers) {
    return LoadBalancer.builder().selector(selector).servers(servers).build();
  }

  /**
   * The balancer's pick counter, which survives snapshots; reached by reflection (through the
   * rotation the selector keeps in the balancer's state) to preset it.
   */
  private static AtomicLong counterOf(LoadBalancer lb) throws ReflectiveOperationException {
    Field publisher = LoadBalancer.class.getDeclaredField("publisher");
    publisher.setAccessible(true);
    Field bound = SnapshotPublisher.class.getDeclaredField("selector");
    bound.setAccessible(true);
    Field state = BoundSelector.class.getDeclaredField("state");
    state.setAccessible(true);
    Map<?, ?> values = (Map<?, ?>) state.get(bound.get(publisher.get(lb)));
    Object rotation =
        values.values().stream()
            .filter(v -> v instanceof RotationCounter)
            .findFirst()
            .orElseThrow();
    Field f = RotationCounter.class.getDeclaredField("counter");
    f.setAccessible(true);
    return (AtomicLong) f.get(rotation);
  }

  private static List<Integer> pickIndices(LoadBalancer lb, int picks) {
    List<Server> servers = lb.servers();
    List<Integer> out = new ArrayList<>(picks);
    for (int i = 0; i < picks; i++) {
      Pick p = lb.pick();
      out.add(servers.indexOf(p.server()));
      p.success();
    }
    return out;
  }

  /** Each pick is the next server in list order, wrapping around. */
  private static void assertCyclesExactly(List<Integer> indices, int n) {
    for (int i = 1; i < indices.size(); i++) {
      assertThat(indices.get(i)).as("pick %s", i).isEqualTo((indices.get(i - 1) + 1) % n);
    }
    for (int start = 0; start + n <= indices.size(); start++) {
      assertThat(new HashSet<>(indices.subList(start, start + n)))
          .as("window at %s", start)
          .hasSize(n);
    }
  }

  @Test
  void cyclesExactlyThroughThreeServers() {
    LoadBalancer lb = balancer(Selectors.roundRobin(), A, B, C);
    List<Integer> indices = pickIndices(lb, 3 * 1000);
    assertCyclesExactly(indices, 3);
    Map<Integer, Integer> counts = new HashMap<>();
    indices.forEach(i -> counts.merge(i, 1, Integer::sum));
    assertThat(counts).containsOnly(Map.entry(0, 1000), Map.entry(1, 1000), Map.entry(2, 1000));
  }

  @Test
  void cyclesExactlyAcrossIntBoundaries() throws ReflectiveOperationException {
    for (long start :
        new long[] {Integer.MAX_VALUE - 5L, (1L << 32) - 3, (1L << 31) - 1, (1L << 53) - 2}) {
      Selector selector = Selectors.roundRobin();
      LoadBalancer lb = balancer(selector, A, B, C);
      counterOf(lb).set(start);
      List<Integer> indices = pickIndices(lb, 30);
      assertCyclesExactly(indices, 3);
      // The counter value decides the server: index = counter mod n.
      assertThat(indices.get(0)).as("start %s", start).isEqualTo((int) (start % 3));
      assertThat(counterOf(lb).get()).isEqualTo(start + 30);
    }
  }

  @Test
  void keepsPickingValidServersWhenTheCounterWrapsPastLongMaxValue()
      throws ReflectiveOperationException {
    // 2^63 picks will not happen in practice, but a wrap must not make the picker throw.
    Selector selector = Selectors.roundRobin();
    LoadBalancer lb = balancer(selector, A, B, C);
    counterOf(lb).set(Long.MAX_VALUE - 5);
    Set<Server> seen = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      seen.add(lb.pick().server());
    }
    assertThat(seen).containsExactlyInAnyOrder(A, B, C);
  }

  @Test
  void unhealthyServerShareIsSpreadEvenlyOverTheRest() {
    LoadBalancer lb = balancer(Selectors.roundRobin(), A, B, C, D);
    lb.setHealth("b:80", HealthState.UNHEALTHY);
    Map<Server, Integer> counts = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      counts.merge(lb.pick().server(), 1, Integer::sum);
    }
    // Exactly a third each: not A (or C) inheriting all of B's turns.
    assertThat(counts).containsOnly(Map.entry(A, 1000), Map.entry(C, 1000), Map.entry(D, 1000));
  }

  @Test
  void membershipChangeMidStreamKeepsCyclingExactlyOverTheNewList() {
    LoadBalancer lb = balancer(Selectors.roundRobin(), A, B, C);
    assertCyclesExactly(pickIndices(lb, 10), 3);

    lb.addServer(D);
    List<Integer> four = pickIndices(lb, 4000);
    assertCyclesExactly(four, 4);
    for (int i = 0; i < 4; i++) {
      final int index = i;
      assertThat(four.stream().filter(x -> x == index).count()).isEqualTo(1000);
    }

    lb.removeServer("a:80");
    List<Integer> three = pickIndices(lb, 3000);
    assertCyclesExactly(three, 3);
    assertThat(lb.servers()).containsExactly(B, C, D);

    lb.setHealth("c:80", HealthState.DRAINING);
    Map<Server, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(lb.pick().server(), 1, Integer::sum);
    }
    assertThat(counts).containsOnly(Map.entry(B, 500), Map.entry(D, 500));
  }

  @Test
  void singleServerIsAlwaysPicked() {
    LoadBalancer lb = balancer(Selectors.roundRobin(), A);
    for (int i = 0; i < 100; i++) {
      assertThat(lb.pick().server()).isEqualTo(A);
    }
  }

  @Test
  void startsAtARandomPosition() {
    // Many clients starting at once must not all send their first request to the first server.
    Set<Server> firsts = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      firsts.add(balancer(Selectors.roundRobin(), A, B, C).pick().server());
    }
    assertThat(firsts).containsExactlyInAnyOrder(A, B, C);
  }

  @Test
  void counterSurvivesSnapshotsSoAChangeDoesNotRestartTheCycle()
      throws ReflectiveOperationException {
    Selector selector = Selectors.roundRobin();
    LoadBalancer lb = balancer(selector, A, B, C);
    counterOf(lb).set(0);
    assertThat(lb.pick().server()).isEqualTo(A);
    assertThat(lb.pick().server()).isEqualTo(B);
    // Re-weighting builds a new picker; the cycle carries on at C rather than restarting at A.
    lb.updateServer(A.withWeight(2));
    assertThat(lb.pick().server()).isEqualTo(C);
    assertThat(lb.pick().server()).isEqualTo(A.withWeight(2));
  }

  @Test
  void ignoresWeightsAndNeedsNoStatistics() {
    Selector selector = Selectors.roundRobin();
    assertThat(selector.name()).isEqualTo("round_robin");
    assertThat(selector.usesInFlight()).isFalse();
    assertThat(selector.usesLatency()).isFalse();
    LoadBalancer lb = balancer(selector, A.withWeight(100), B);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      counts.merge(lb.pick().server().id(), 1, Integer::sum);
    }
    assertThat(counts).containsOnly(Map.entry("a:80", 500), Map.entry("b:80", 500));
  }
}
