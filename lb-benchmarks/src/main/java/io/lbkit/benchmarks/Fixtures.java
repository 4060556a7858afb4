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
package io.lbkit.benchmarks;

import com.google.common.base.Ticker;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadBalancerBuilder;
import io.lbkit.core.LoadReport;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.ProbeTransport;
import io.lbkit.core.ProbingConfig;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Server lists, selectors and balancers shared by the benchmarks. */
final class Fixtures {
  private Fixtures() {}

  /**
   * {@code n} servers with weights cycling through 1..10, so that the weighted selectors do real
   * work (a list of equal weights would let weighted round robin reduce to plain round robin).
   */
  static List<Server> servers(int n) {
    List<Server> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(
          Server.builder("10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF), 8080)
              .weight(weight(i))
              .build());
    }
    return out;
  }

  /** The weight of server number {@code i} in {@link #servers(int)}. */
  static int weight(int i) {
    return 1 + i % 10;
  }

  /**
   * Load reports made in advance for the probing benchmarks: RIF 0 to 7 with latencies of 0.1 to
   * 0.8 ms. Eight of them, a power of two, so that a benchmark may pick one by a mask.
   */
  static final List<LoadReport> REPORTS = reports();

  /**
   * A probe transport that answers at once, from {@link #REPORTS} by server: the probing selector's
   * sends cost what completing a stage costs, not a network call.
   */
  private static final ProbeTransport ANSWER_AT_ONCE =
      new ProbeTransport() {
        private final List<CompletableFuture<LoadReport>> answers =
            REPORTS.stream().map(CompletableFuture::completedFuture).toList();

        @Override
        public CompletableFuture<LoadReport> probe(Endpoint endpoint) {
          // By host: the servers share one port, and a fleet's reports differ by server.
          return answers.get(Math.floorMod(endpoint.server().host().hashCode(), answers.size()));
        }
      };

  private static List<LoadReport> reports() {
    List<LoadReport> list = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      list.add(LoadReport.of(i, 100_000L * (i + 1)));
    }
    return List.copyOf(list);
  }

  /** A new selector by its {@link Selector#name()}, as the benchmarks' {@code @Param} values. */
  static Selector selector(String name) {
    return Selectors.byName(name);
  }

  /**
   * A balancer over {@link #servers(int)} probing with this configuration, through a transport that
   * answers every probe at once on the picking thread.
   */
  static LoadBalancer probingBalancer(int servers, ProbingConfig config) {
    return LoadBalancer.builder()
        .name("bench-probing")
        .selector(Selectors.probing(config))
        .servers(servers(servers))
        .probeTransport(ANSWER_AT_ONCE)
        .build();
  }

  /** A balancer over {@link #servers(int)} with the named selector and the system ticker. */
  static LoadBalancer balancer(String selectorName, int servers) {
    return balancer(selectorName, servers, Ticker.systemTicker());
  }

  /** As {@link #balancer(String, int)}, with this ticker as the balancer's clock. */
  static LoadBalancer balancer(String selectorName, int servers, Ticker ticker) {
    LoadBalancerBuilder builder =
        LoadBalancer.builder()
            .name("bench")
            .selector(selector(selectorName))
            .servers(servers(servers))
            .ticker(ticker);
    if (selectorName.equals("probing")) {
      builder.probeTransport(ANSWER_AT_ONCE);
    }
    LoadBalancer balancer = builder.build();
    if (!balancer.selector().name().equals(selectorName)) {
      throw new IllegalStateException(
          "selector " + selectorName + " reports the name " + balancer.selector().name());
    }
    return balancer;
  }

  /**
   * Gives every server of the balancer a latency estimate (0.1 to 2 ms, fixed per server), so that
   * latency-aware selectors compare real, distinct figures instead of all-zero estimates. The
   * samples are reported as measured by the caller.
   */
  static void primeLatencies(LoadBalancer balancer) {
    if (!balancer.selector().usesLatency()) {
      return;
    }
    int n = balancer.eligibleEndpoints().size();
    // Round robin over picks is not guaranteed for adaptive selectors: pick until every server
    // was seen or a generous bound is reached; an unseen server keeps a zero estimate, which is
    // also a state real balancers are in.
    for (int i = 0; i < 20 * n; i++) {
      Pick p = balancer.pick();
      p.complete(Outcome.SUCCESS, latencyNanos(p.server()));
    }
  }

  /**
   * The latency {@link #primeLatencies} gives a server: 0.1 to 2 ms, fixed per server by its id's
   * hash (a cached field of the id string), independent of its weight and of its place in the list.
   */
  static long latencyNanos(Server server) {
    return TimeUnit.MICROSECONDS.toNanos(100 + Math.floorMod(server.id().hashCode(), 1900));
  }
}
