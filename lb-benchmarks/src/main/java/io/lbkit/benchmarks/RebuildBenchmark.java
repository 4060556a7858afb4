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

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selector;
import io.lbkit.core.Server;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one membership change, which copies the membership, builds a new snapshot of
 * endpoints and a new picker (the weight table or schedule of the weighted selectors, the ring or
 * the Maglev table of the hash selectors) and publishes it with one compare-and-set. Every change
 * of servers, weights or health pays such a rebuild, so this is what a service-discovery update
 * costs per change, at 10 and 10,000 servers of weights 1 to 10.
 *
 * <ul>
 *   <li>{@link #updateServer()} moves the middle server between two weights, so every call is a
 *       real change.
 *   <li>{@link #addOrRemoveServer()} alternately adds one server and removes it again: the most
 *       common discovery event. Ring hash rebuilds such a ring from the previous one (the other
 *       servers' virtual nodes are copied, only the changed server's are hashed and merged in).
 *   <li>{@link #fromScratch()} builds a picker over the balancer's endpoints with a new selector,
 *       which has no previous ring or cached positions: the cost of the first build (ring hash at
 *       10,000 servers of weights 1 to 10 hashes and sorts about 550,000 virtual nodes).
 * </ul>
 *
 * <p>Run (with the jar built as described in {@link PickBenchmark}):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar RebuildBenchmark -prof gc \
 *     -rf json -rff rebuild.json
 * </pre>
 *
 * <p>Quick variant: add {@code -f 1 -wi 2 -w 1s -i 3 -r 1s}. {@code python3
 * lb-benchmarks/jmh-table.py rebuild.json} prints the table; here {@code B/op} is the garbage one
 * rebuild leaves, which is expected to grow with n.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup before any benchmark call
public class RebuildBenchmark {

  static {
    // Every removal is logged at INFO; at one per call that would time the logger, not the
    // rebuild (slf4j-simple reads this when the balancer's logger is created).
    System.setProperty("org.slf4j.simpleLogger.log.io.lbkit.core.LoadBalancer", "warn");
  }

  /** The selector, by its name. */
  @Param({"round_robin", "weighted_round_robin", "weighted_random", "ring_hash", "maglev"})
  public String selector;

  /** The number of servers. */
  @Param({"10", "10000"})
  public int servers;

  private LoadBalancer balancer;
  private Server[] variants;
  private int next;
  private Server extra;
  private boolean extraAdded;
  private ImmutableList<Endpoint> endpoints;

  /** A new selector by name. */
  static Selector selector(String name) {
    return Fixtures.selector(name);
  }

  /** Builds the balancer, the two weights of the server that changes and the server that joins. */
  @Setup
  public void setUp() {
    List<Server> list = Fixtures.servers(servers);
    balancer =
        LoadBalancer.builder().name("bench").selector(selector(selector)).servers(list).build();
    if (!balancer.selector().name().equals(selector)) {
      throw new IllegalStateException(
          "selector " + selector + " reports the name " + balancer.selector().name());
    }
    Server middle = list.get(servers / 2);
    variants = new Server[] {middle.withWeight(7), middle.withWeight(3)};
    extra = Server.builder("10.255.255.254", 8080).weight(5).build();
    endpoints = balancer.eligibleEndpoints();
  }

  /** One weight change: snapshot and picker rebuild, then publication. */
  @Benchmark
  public LoadBalancer updateServer() {
    int i = next;
    next = i ^ 1;
    balancer.updateServer(variants[i]);
    return balancer;
  }

  /** One server joins, or (every other call) leaves again: snapshot and picker rebuild. */
  @Benchmark
  public LoadBalancer addOrRemoveServer() {
    if (extraAdded) {
      balancer.removeServer(extra.id());
    } else {
      balancer.addServer(extra);
    }
    extraAdded = !extraAdded;
    return balancer;
  }

  /** A picker built by a new selector, with nothing to reuse from a previous build. */
  @Benchmark
  public Selector.Picker fromScratch() {
    return selector(selector).newPicker(endpoints);
  }
}
