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
import io.lbkit.core.LoadReport;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.ProbingConfig;
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
 * What probing costs a client per request when every probe is sent, as at the request rates real
 * clients have, beside power of two choices in the same run.
 *
 * <p>{@link PickBenchmark}'s probing balancer keeps the default cap of 1,000 probes a second per
 * server; picking some ten million times a second, it sends a probe on about one pick in a hundred,
 * so its pool is nearly always short of two fresh results and its picks fall back to power of two
 * choices. A client doing thousands of requests a second is nowhere near its cap: every request
 * sends its probes (three by default), and the pool stays full. Here the cap is raised to 1,000,000
 * a second (not reached with 100 servers or more), so that every pick scans a full pool, takes a
 * result and removes another, and sends its probes:
 *
 * <ul>
 *   <li>{@link #powerOfTwoChoices()}: {@code pick()} then {@code complete(SUCCESS)} with power of
 *       two choices, the baseline;
 *   <li>{@link #probing()}: the same with probing, the answers handled at once on the picking
 *       thread (the transport's stages are already completed): everything the client spends on a
 *       request but the network;
 *   <li>{@link #probingAnswer()}: one answer alone ({@link LoadBalancer#reportLoad}, the path a
 *       report riding on a response takes, which a probe's answer takes too after a look-up this
 *       one adds): what runs on the transport's threads in real use, once per probe.
 * </ul>
 *
 * <p>Run {@code java -jar lb-benchmarks/target/benchmarks.jar ProbingBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup before any benchmark call
public class ProbingBenchmark {

  /** The number of servers, all eligible. */
  @Param({"3", "100", "10000"})
  public int servers;

  private LoadBalancer powerOfTwoChoices;
  private LoadBalancer probing;
  private Endpoint[] endpoints;
  private LoadReport[] reports;
  private int next;

  /** Builds both balancers and fills the probing balancer's pool. */
  @Setup
  public void setUp() {
    powerOfTwoChoices = Fixtures.balancer("power_of_two_choices", servers);
    probing =
        Fixtures.probingBalancer(
            servers, ProbingConfig.builder().maxProbeRatePerServer(1_000_000).build());
    List<Endpoint> eligible = probing.eligibleEndpoints();
    endpoints = eligible.toArray(new Endpoint[0]);
    reports = Fixtures.REPORTS.toArray(new LoadReport[0]);
    for (int i = 0; i < 10_000; i++) {
      probing.pick().complete(Outcome.SUCCESS);
    }
  }

  /** Power of two choices: pick, then report success. */
  @Benchmark
  public Pick powerOfTwoChoices() {
    Pick p = powerOfTwoChoices.pick();
    p.complete(Outcome.SUCCESS);
    return p;
  }

  /** Probing with every probe sent and answered at once: pick, then report success. */
  @Benchmark
  public Pick probing() {
    Pick p = probing.pick();
    p.complete(Outcome.SUCCESS);
    return p;
  }

  /** One load report handed to the probing balancer's pool. */
  @Benchmark
  public int probingAnswer() {
    int i = next++;
    Endpoint e = endpoints[Math.floorMod(i, endpoints.length)];
    probing.reportLoad(e, reports[i & (reports.length - 1)]);
    return i;
  }
}
