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

import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.PickContext;
import io.lbkit.core.Selector;
import io.lbkit.core.Server;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the hash selectors: one keyed pick with ring hash, Maglev and bounded-load hashing at
 * 10 and 10,000 servers, and one rebuild of the ring and of the Maglev table at 10,000 servers.
 *
 * <ul>
 *   <li>{@link #selectorOnly(PickState)} is {@code picker.pick(context, now)} on a picker built
 *       through the public {@link Selector#newPicker}: the algorithm alone. Ring hash and bounded
 *       load (idle servers) are a binary search over the ring; Maglev is one table read.
 *   <li>{@link #pickAndComplete(PickState)} is the whole caller path: {@code
 *       balancer.pick(context)} and {@code complete(SUCCESS)}.
 *   <li>{@link #boundedLoadBusy(BusyState)} is bounded-load hashing when every server already has 2
 *       * n requests in flight (all but the lightest, about 13% of the servers, busy), so the first
 *       server is usually busy and the pick sums the in-flight counts of all servers (O(n)) before
 *       comparing with the bound: its worst case.
 *   <li>{@link #rebuild(RebuildState)} is {@code updateServer} at 10,000 servers of weight 1, which
 *       rebuilds the snapshot and the picker: for the ring, 1,000,000 virtual nodes (100 each),
 *       derived from the previous ring by copying the other servers' entries and merging in the
 *       changed server's; for Maglev, a 65,537-slot table filled anew. {@code RebuildBenchmark}
 *       measures joins, leaves and from-scratch builds.
 * </ul>
 *
 * <p>Keys are hashed once, in setup: each call takes the next of 4,096 precomputed {@link
 * PickContext}s, so the figures do not include hashing the key (Murmur3 of a short key costs about
 * 20 ns more).
 *
 * <p>Run (with the jar built as described in {@link PickBenchmark}):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar HashPickBenchmark -prof gc \
 *     -rf json -rff hash.json
 * </pre>
 *
 * <p>Quick variant: add {@code -f 1 -wi 2 -w 1s -i 3 -r 1s}. {@code python3
 * lb-benchmarks/jmh-table.py hash.json} prints the table. The pickers allocate nothing; the full
 * path allocates the {@link Pick} handle; a rebuild's {@code B/op} is the garbage it leaves (the
 * old ring or table, the snapshot).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class HashPickBenchmark {

  /** The number of precomputed contexts; a power of two, so the next index is a mask. */
  static final int CONTEXTS = 4096;

  /** A new hash selector by its {@link Selector#name()}. */
  static Selector selector(String name) {
    return Fixtures.selector(name);
  }

  static PickContext[] contexts() {
    PickContext[] out = new PickContext[CONTEXTS];
    for (int i = 0; i < CONTEXTS; i++) {
      out[i] = PickContext.ofHashKey("session-" + i);
    }
    return out;
  }

  static LoadBalancer balancer(String selectorName, List<Server> servers) {
    LoadBalancer balancer =
        LoadBalancer.builder()
            .name("bench")
            .selector(selector(selectorName))
            .servers(servers)
            .build();
    if (!balancer.selector().name().equals(selectorName)) {
      throw new IllegalStateException(
          "selector " + selectorName + " reports the name " + balancer.selector().name());
    }
    return balancer;
  }

  /** A balancer over servers of weights 1..10, its picker, and the precomputed contexts. */
  @State(Scope.Thread)
  @SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup
  public static class PickState {
    /** The selector, by its {@link Selector#name()}. */
    @Param({"ring_hash", "maglev", "bounded_load_hash"})
    public String selector;

    /** The number of servers, all eligible, with weights cycling through 1..10. */
    @Param({"10", "10000"})
    public int servers;

    LoadBalancer balancer;
    Selector.Picker picker;
    PickContext[] contexts;
    int next;
    long now;

    /** Builds the balancer, a picker over its endpoints and the contexts. */
    @Setup
    public void setUp() {
      balancer = balancer(selector, Fixtures.servers(servers));
      picker = balancer.selector().newPicker(balancer.eligibleEndpoints());
      contexts = contexts();
      now = System.nanoTime();
    }

    PickContext nextContext() {
      int i = next;
      next = (i + 1) & (CONTEXTS - 1);
      return contexts[i];
    }
  }

  /** Bounded-load hashing with 2 * n requests held in flight. */
  @State(Scope.Thread)
  @SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup
  public static class BusyState {
    /** The number of servers, with weights cycling through 1..10. */
    @Param({"10", "10000"})
    public int servers;

    LoadBalancer balancer;
    Selector.Picker picker;
    PickContext[] contexts;
    final List<Pick> held = new ArrayList<>();
    int next;
    long now;

    /** Builds the balancer and opens 2 * servers picks, which stay open until tear-down. */
    @Setup
    public void setUp() {
      balancer = balancer("bounded_load_hash", Fixtures.servers(servers));
      contexts = contexts();
      for (int i = 0; i < 2 * servers; i++) {
        held.add(balancer.pick(PickContext.builder().hashKey(i * 0x9E3779B97F4A7C15L).build()));
      }
      picker = balancer.selector().newPicker(balancer.eligibleEndpoints());
      now = System.nanoTime();
      int idle = 0;
      for (Endpoint e : balancer.eligibleEndpoints()) {
        idle += e.inFlight() == 0 ? 1 : 0;
      }
      // The bound steers picks to idle servers first, so the lightest servers (weight 1 of 1..10)
      // may stay idle; measured 13% at 10,000 servers, 3 of 10. Picks keyed to them skip the sum.
      if (idle > Math.max(3, servers / 5)) {
        throw new IllegalStateException(idle + " of " + servers + " servers are idle");
      }
    }

    /** Completes the held picks. */
    @TearDown
    public void tearDown() {
      held.forEach(p -> p.complete(Outcome.SUCCESS));
      held.clear();
    }

    PickContext nextContext() {
      int i = next;
      next = (i + 1) & (CONTEXTS - 1);
      return contexts[i];
    }
  }

  /** 10,000 servers of weight 1 (100 virtual nodes each on the ring). */
  @State(Scope.Benchmark)
  @SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup
  public static class RebuildState {
    /** The selector whose picker every change rebuilds. */
    @Param({"ring_hash", "maglev"})
    public String selector;

    LoadBalancer balancer;
    Server[] variants;
    int next;

    /** Builds the balancer and the two weights of the server that every call changes. */
    @Setup(Level.Trial)
    public void setUp() {
      List<Server> list = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        list.add(
            Server.of("10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF), 80));
      }
      balancer = balancer(selector, list);
      Server middle = list.get(5_000);
      // Both weights stay at or below the highest, so no other server's virtual nodes change.
      variants = new Server[] {middle.withWeight(0.5), middle.withWeight(1)};
    }
  }

  /** The picker alone, with a precomputed key. */
  @Benchmark
  public Endpoint selectorOnly(PickState s) {
    return s.picker.pick(s.nextContext(), s.now);
  }

  /** The full user path: keyed pick, then report success. */
  @Benchmark
  public Pick pickAndComplete(PickState s) {
    Pick p = s.balancer.pick(s.nextContext());
    p.complete(Outcome.SUCCESS);
    return p;
  }

  /** Bounded-load hashing when no server is idle: the in-flight total is summed per pick. */
  @Benchmark
  public Endpoint boundedLoadBusy(BusyState s) {
    return s.picker.pick(s.nextContext(), s.now);
  }

  /** One weight change at 10,000 servers: snapshot and ring or table rebuild, then publication. */
  @Benchmark
  public LoadBalancer rebuild(RebuildState s) {
    int i = s.next;
    s.next = i ^ 1;
    s.balancer.updateServer(s.variants[i]);
    return s.balancer;
  }
}
