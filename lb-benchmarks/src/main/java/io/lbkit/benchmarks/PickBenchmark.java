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
import io.lbkit.core.Selector;
import io.lbkit.core.Server;
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
 * The cost of one pick on one thread, for every built-in selector at 3, 100 and 10,000 servers of
 * weights 1 to 10.
 *
 * <ul>
 *   <li>{@link #pickAndComplete()} is the whole path a caller pays: {@code balancer.pick()} (one
 *       snapshot read, the picker, the in-flight count and ticker read where the selector needs
 *       them, the {@link Pick} handle) and {@code complete(SUCCESS)} (the in-flight release and the
 *       latency sample where the selector needs them).
 *   <li>{@link #pickAndCompleteLocal()} is the same path with only the server leaving the method,
 *       as in a synchronous call, which would let escape analysis remove the handle if it could
 *       (see below).
 *   <li>{@link #selectorOnly()} is the algorithm alone: {@code picker.pick(now)} on a picker built
 *       once through the public {@link Selector#newPicker} from the balancer's eligible endpoints,
 *       with a fixed {@code now}. The difference from the full path is the cost of the handle and
 *       the statistics.
 * </ul>
 *
 * <p>Least connections and weighted least connections scan every server (O(n)), so their figures
 * grow with the list; every other selector should be flat from 3 to 10,000 servers apart from cache
 * effects. With nothing in flight, least connections sees every server tied and draws a random
 * number per server to break the tie: that is its worst case, and the case of a lightly loaded
 * client. Latency-aware selectors start from per-server estimates of 0.1 to 2 ms.
 *
 * <p>Build the benchmarks jar, then run (full settings, about 25 minutes):
 *
 * <pre>
 * ./mvnw -B package -DskipTests
 * java -jar lb-benchmarks/target/benchmarks.jar PickBenchmark -prof gc -rf json -rff pick.json
 * </pre>
 *
 * <p>Quick variant (about 7 minutes; three iterations give wide error bars, so compare figures that
 * differ by more than noise):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar PickBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s \
 *     -prof gc -rf json -rff pick.json
 * </pre>
 *
 * <p>Add {@code -p selector=weighted_round_robin -p servers=10000} to run one case. Turn the JSON
 * into a Markdown table (ns/op, error, bytes allocated per op) with {@code python3
 * lb-benchmarks/jmh-table.py pick.json}.
 *
 * <p>The probing selector's balancer has a transport that answers every probe at once, on the
 * picking thread; its picker for {@link #selectorOnly()} is built outside the balancer, so it has
 * no transport and no results, and falls back to power of two choices after one check of its pool
 * (nothing added within the age limit: no scan). The full path also scans the pool and starts the
 * probes (at most 1,000 per second to each server, with bursts of 4), and the answers, handled on
 * the picking thread here, add results: their stages and results are the only allocation besides
 * the handle. At this pick rate the cap lets about one pick in a hundred probe, so the pool is
 * mostly short of two fresh results; {@link ProbingBenchmark} measures probing with every probe
 * sent, as at real request rates.
 *
 * <p>{@code B/op} comes from {@code -prof gc} ({@code gc.alloc.rate.norm}). The selectors allocate
 * nothing. The full path allocates the 32-byte {@link Pick} handle in both variants: escape
 * analysis cannot remove an object whose field is updated by a compare-and-set (the handle's
 * first-report-wins flag), so even a handle that never leaves the caller is allocated.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup before any benchmark call
public class PickBenchmark {

  /** The selector, by its {@link Selector#name()}. */
  @Param({
    "round_robin",
    "weighted_round_robin",
    "random",
    "weighted_random",
    "least_connections",
    "weighted_least_connections",
    "power_of_two_choices",
    "least_response_time",
    "probing"
  })
  public String selector;

  /** The number of servers, all eligible, with weights cycling through 1..10. */
  @Param({"3", "100", "10000"})
  public int servers;

  private LoadBalancer balancer;
  private Selector.Picker picker;
  private long now;

  /** Builds the balancer and, from its eligible endpoints, a picker for the selector alone. */
  @Setup
  public void setUp() {
    balancer = Fixtures.balancer(selector, servers);
    Fixtures.primeLatencies(balancer);
    picker = balancer.selector().newPicker(balancer.eligibleEndpoints());
    // A ticker reading after every primed latency sample: the selector sees the same, realistic
    // clock value on every call, and the benchmark does not time the clock.
    now = System.nanoTime();
  }

  /** The full user path: pick, then report success. */
  @Benchmark
  public Pick pickAndComplete() {
    Pick p = balancer.pick();
    p.complete(Outcome.SUCCESS);
    return p;
  }

  /**
   * The full user path where the handle stays local, as in a synchronous call inside
   * try-with-resources: only the chosen server leaves the method, so escape analysis may remove the
   * {@link Pick} allocation that {@link #pickAndComplete()} forces by returning the handle (as an
   * asynchronous caller does when it keeps the handle for a callback).
   */
  @Benchmark
  public Server pickAndCompleteLocal() {
    Pick p = balancer.pick();
    p.complete(Outcome.SUCCESS);
    return p.server();
  }

  /** The selector alone, through the public {@link Selector.Picker} API. */
  @Benchmark
  public Endpoint selectorOnly() {
    return picker.pick(now);
  }
}
