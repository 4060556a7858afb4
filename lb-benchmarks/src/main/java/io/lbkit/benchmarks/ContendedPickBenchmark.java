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

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link PickBenchmark#pickAndComplete()} with every core picking from one shared balancer at once.
 * Compare with the one-thread figure: AverageTime here is the time one thread waits for its pick,
 * so a selector whose picks do not contend keeps its one-thread cost, and one that shares a counter
 * (round robin, weighted round robin) pays the cache-line transfer of that counter on every pick.
 * In-flight selectors also contend on the per-server counters when two threads choose the same
 * server, which is most likely with 3 servers.
 *
 * <p>Run (with the jar built as described in {@link PickBenchmark}):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar ContendedPickBenchmark -prof gc \
 *     -rf json -rff contended.json
 * </pre>
 *
 * <p>Quick variant: add {@code -f 1 -wi 2 -w 1s -i 3 -r 1s}; choose the thread count with {@code -t
 * N}. {@code python3 lb-benchmarks/jmh-table.py contended.json} prints the table.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(Threads.MAX)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup before any benchmark call
public class ContendedPickBenchmark {

  /** The selector, by its name. */
  @Param({
    "round_robin",
    "weighted_round_robin",
    "random",
    "weighted_random",
    "least_connections",
    "weighted_least_connections",
    "power_of_two_choices",
    "least_response_time"
  })
  public String selector;

  /** The number of servers, all eligible, with weights cycling through 1..10. */
  @Param({"3", "100", "10000"})
  public int servers;

  private LoadBalancer balancer;

  /** Builds the one balancer that every thread picks from. */
  @Setup
  public void setUp() {
    balancer = Fixtures.balancer(selector, servers);
    Fixtures.primeLatencies(balancer);
  }

  /** The full user path on every thread at once: pick, then report success. */
  @Benchmark
  public Pick pickAndComplete() {
    Pick p = balancer.pick();
    p.complete(Outcome.SUCCESS);
    return p;
  }
}
