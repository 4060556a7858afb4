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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LoadBalancerBuilder#random}: with a seeded generator and a fake ticker, a single-threaded
 * run of picks is reproducible for every built-in selector, and the generator is really the source
 * of the selector's choices (another seed gives another sequence).
 */
class SeededRandomTest {
  private static final int PICKS = 2_000;

  static List<Object[]> selectors() {
    List<Object[]> out = new ArrayList<>();
    add(out, "round_robin", Selectors::roundRobin);
    add(out, "weighted_round_robin", Selectors::weightedRoundRobin);
    add(out, "random", Selectors::random);
    add(out, "weighted_random", Selectors::weightedRandom);
    add(out, "least_connections", Selectors::leastConnections);
    add(out, "weighted_least_connections", Selectors::weightedLeastConnections);
    add(out, "power_of_two_choices", Selectors::powerOfTwoChoices);
    add(out, "least_response_time", Selectors::leastResponseTime);
    add(out, "ring_hash", Selectors::ringHash);
    add(out, "maglev", Selectors::maglev);
    add(out, "bounded_load_hash", () -> Selectors.boundedLoadHash(0.25));
    add(out, "zone_aware", () -> Selectors.zoneAware("a", Selectors.random()));
    add(
        out,
        "subset",
        () ->
            Selectors.subset(
                SubsetRule.byAttribute("v", "v"), Selectors.random(), SubsetFallback.ANY_ENDPOINT));
    return out;
  }

  private static void add(List<Object[]> out, String name, Supplier<Selector> selector) {
    out.add(new Object[] {name, selector});
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selectors")
  void sameSeedGivesTheSamePicksAndAnotherSeedDoesNot(String name, Supplier<Selector> selector) {
    List<String> first = run(selector.get(), new SplittableRandom(11));
    List<String> again = run(selector.get(), new SplittableRandom(11));
    List<String> other = run(selector.get(), new SplittableRandom(12));

    assertThat(again).as(name).isEqualTo(first);
    // Every selector here draws from the generator (a start position, a random choice, a
    // tie-break among idle servers); the chance that 2,000 picks over 10 servers coincide under
    // another seed is nil.
    assertThat(other).as(name).isNotEqualTo(first);
  }

  @Test
  void roundRobinStartsWhereTheGeneratorSays() {
    // The start position is the generator's first draw, nextInt(2^16), modulo the server count.
    int expectedStart = new SplittableRandom(5).nextInt(1 << 16) % 10;
    LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(servers())
            .random(new SplittableRandom(5))
            .build();

    assertThat(balancer.pick().server()).isEqualTo(servers().get(expectedStart));
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> LoadBalancer.builder().random(nullGenerator()))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("random");
  }

  @SuppressWarnings("NullAway") // deliberately null, to check the error
  private static RandomGenerator nullGenerator() {
    return null;
  }

  private static List<String> run(Selector selector, RandomGenerator random) {
    FakeTicker ticker = new FakeTicker();
    LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(selector)
            .servers(servers())
            .ticker(ticker)
            .random(random)
            .build();
    List<String> picks = new ArrayList<>(PICKS);
    List<Pick> open = new ArrayList<>();
    for (int i = 0; i < PICKS; i++) {
      PickContext context = PickContext.builder().attribute("v", i % 3 == 0 ? "1" : "2").build();
      Pick pick = balancer.pick(context);
      picks.add(pick.server().id());
      open.add(pick);
      // Keep a few requests in flight, complete the oldest: load-aware selectors see varying
      // loads and latencies, all on the fake clock.
      if (open.size() > 4) {
        ticker.advance(Duration.ofMillis(1 + i % 7));
        open.remove(0).success();
      }
    }
    balancer.close();
    return picks;
  }

  private static ImmutableList<Server> servers() {
    ImmutableList.Builder<Server> out = ImmutableList.builder();
    for (int i = 0; i < 10; i++) {
      out.add(
          Server.builder("10.0.0." + i, 80)
              .weight(1 + i % 3)
              .zone(i < 3 ? "a" : "b")
              .metadata(Map.of("v", i % 2 == 0 ? "1" : "2"))
              .build());
    }
    return out.build();
  }
}
