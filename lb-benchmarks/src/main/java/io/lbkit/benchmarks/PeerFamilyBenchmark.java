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

import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The shape shared by the per-family peer benchmarks ({@link RoundRobinPeers}, {@link
 * WeightedRoundRobinPeers}, {@link RandomPeers}, {@link WeightedRandomPeers}, {@link
 * LeastLoadedPeers}, {@link LatencyAwarePeers}, {@link ConsistentHashPeers}): each subclass has an
 * {@code impl} parameter naming lbkit's and the peers' implementations of one algorithm family, and
 * a {@code servers} parameter (3, 100 and 10,000 servers of weights 1..10, as in {@link
 * Fixtures#servers(int)}).
 *
 * <p>One implementation is built per fork, so the measured call site stays monomorphic and is
 * inlined, whichever implementation it is. {@link #pick(Sequence)} is one call on one thread;
 * {@link #pickAllCores(Sequence)} is the same call on every core at once against the one shared
 * instance (JMH's {@code Threads.MAX}), so the difference between the two is the cost of contention
 * on that implementation's shared state (counters, statistics). Entries named {@code lbkit*} are
 * lbkit; {@code jmh-table.py} prints each one's ratio to the fastest peer of the same family,
 * server count and thread count, and to the fastest peer that measures the same path (entries
 * ending in {@code _full} include the request accounting around the pick; the others are the pick
 * alone).
 *
 * <p>On a machine with few cores, {@code pickAllCores} also measures the threads sharing those
 * cores with everything else running: compare its figures across implementations of one run, not
 * with another machine's.
 *
 * <p>Run one family, single-thread and all cores (with the jar built as described in {@link
 * PickBenchmark}):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar 'RoundRobinPeers\.' -prof gc \
 *     -rf json -rff peers.json
 * python3 lb-benchmarks/jmh-table.py peers.json
 * </pre>
 *
 * <p>Every family, single thread only: {@code 'Peers\.pick$'}; all cores only: {@code
 * 'Peers\.pickAllCores$'}. Quick variant: add {@code -f 1 -wi 2 -w 1s -i 3 -r 1s}; one case: add
 * {@code -p impl=lbkit -p servers=100}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup before any benchmark call
public abstract class PeerFamilyBenchmark {

  private Peer peer;
  private IntFunction<Object> pick;

  /** The implementation to build in this fork: the subclass's {@code impl} parameter. */
  protected abstract String impl();

  /** The number of servers, with weights cycling through 1..10; the same for every family. */
  @Param({"3", "100", "10000"})
  public int servers;

  /** Builds the named implementation over {@code servers} servers. */
  abstract Peer build(String impl, int servers);

  /** Builds this fork's implementation. */
  @Setup
  public void setUp() {
    peer = build(impl(), servers);
    pick = peer.pick();
  }

  /** Releases the implementation's threads and timers, if any. */
  @TearDown
  public void tearDown() throws Exception {
    peer.close().close();
  }

  /** A per-thread request counter, from which keyed implementations take the request's key. */
  @State(Scope.Thread)
  public static class Sequence {
    int next;
  }

  /** One pick on one thread. */
  @Benchmark
  public Object pick(Sequence s) {
    return pick.apply(s.next++);
  }

  /** One pick with every core picking from the same instance at once. */
  @Benchmark
  @Threads(Threads.MAX)
  public Object pickAllCores(Sequence s) {
    return pick.apply(s.next++);
  }

  static IllegalArgumentException unknown(String impl) {
    return new IllegalArgumentException("unknown impl '" + impl + "'");
  }
}
