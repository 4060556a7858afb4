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
package io.lbkit.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Outlier detection, active health checks and slow start inside the simulation: their timers run on
 * the virtual scheduler, so ejections end and ramps advance at simulated times. Without it, the
 * balancer would time them on a thread of its own in real time, and a simulated ejection would
 * never end.
 */
class HealthOnSimulatedTimeTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;

  private static Scenario.Builder tenServers(String name, int seconds) {
    return Scenario.builder(name, name)
        .servers(10)
        .concurrency(4)
        .serviceTime(ServiceTime.exponential(10 * MS))
        .rate(1000)
        .requests(1000 * seconds, 0)
        .timeout(SECOND);
  }

  @Test
  @Timeout(20)
  void outlierDetectionEjectsAFailingServerAndLetsItBackAfterTheEjectionTime() {
    // 40 s; from 2 s on server 0 answers every request with an error. Round robin sends it every
    // tenth request, so five consecutive failures (Envoy's rule) eject it about 50 ms after 2 s,
    // for the base ejection time of 30 s +- 10% jitter (27 to 33 s, drawn from the run's seed).
    // When the virtual scheduler ends the ejection, between 29 and 35 s, five more failures eject
    // it again (for 60 s +- 10%, past the end). So exactly 10 errors, in two bursts of five: one
    // within half a second of 2 s, one between 29 and 35.5 s, and none anywhere else.
    Scenario s =
        tenServers("od", 40)
            .errorBurst(new ErrorBurst(0, 2 * SECOND, Long.MAX_VALUE, 1.0, MS))
            .build();

    Result r = Simulation.run(s, "round_robin+od", 1);

    assertThat(r.ejections()).isEqualTo(2);
    assertThat(r.errors()).isEqualTo(10);
    int firstBurst = sliceOf(r, 2 * SECOND);
    assertThat(errorsIn(r, firstBurst, sliceOf(r, 2 * SECOND + SECOND / 2))).isEqualTo(5);
    assertThat(errorsIn(r, sliceOf(r, 29 * SECOND), sliceOf(r, 35 * SECOND + SECOND / 2)))
        .isEqualTo(5);
    // Between the bursts server 0 gets nothing; without outlier detection it keeps its tenth.
    assertThat(r.timeline().get(firstBurst + 5).share(0)).isZero();
    Result plain = Simulation.run(s, "round_robin", 1);
    assertThat(plain.ejections()).isZero();
    // Round robin's tenth, give or take the one pick by which a slice of ~667 requests can differ.
    assertThat(plain.timeline().get(firstBurst + 5).share(0)).isCloseTo(0.1, within(0.002));
  }

  @Test
  @Timeout(20)
  void activeHealthChecksTakeOutAServerThatFailsEverythingAfterThreeFailedChecks() {
    // From 2 s of 20 on server 0 fails every request, and its simulated health endpoint says so.
    // Checks run every second plus up to 100 ms of jitter; the third failed one marks it
    // unhealthy, between 2 and 3.3 s after 2 s plus the first check's offset (under 1 s). Round
    // robin sends it 100 requests/s meanwhile: between 200 and 430 errors, then none.
    Scenario s =
        tenServers("hc", 20)
            .errorBurst(new ErrorBurst(0, 2 * SECOND, Long.MAX_VALUE, 1.0, MS))
            .build();

    Result r = Simulation.run(s, "round_robin+hc", 1);

    assertThat(r.errors()).isBetween(200, 430);
    for (Slice slice : r.timeline().subList(sliceOf(r, 7 * SECOND), r.timeline().size())) {
      assertThat(slice.share(0)).isZero();
      assertThat(slice.errors()).isZero();
    }
    assertThat(r.ejections()).isZero();
  }

  @Test
  @Timeout(20)
  void slowStartRampsAJoiningServerOnSimulatedTime() {
    // Server 0 joins at 5 s of 30 (slices of 0.5 s). Slow start's linear 10 s ramp from 10% of
    // the weight gives it a weight factor of 0.1 at first, 0.5 after 5 s, 1 after 10 s; round robin
    // weighted by the ramp gives it factor / (9 + factor) of the requests: about 1%, 5% and 10%.
    // Without slow start it gets its 10% at once.
    Scenario s = tenServers("ss", 30).join(new Join(0, 5 * SECOND)).build();

    Result ramped = Simulation.run(s, "round_robin+ss", 1);
    Result plain = Simulation.run(s, "round_robin", 1);

    int justJoined = sliceOf(ramped, 5 * SECOND + 100 * MS);
    int halfway = sliceOf(ramped, 10 * SECOND + 100 * MS);
    int warm = sliceOf(ramped, 16 * SECOND + 100 * MS);
    assertThat(ramped.timeline().get(justJoined - 1).share(0)).isZero();
    assertThat(ramped.timeline().get(justJoined).share(0)).isBetween(0.005, 0.025);
    assertThat(ramped.timeline().get(halfway).share(0)).isBetween(0.035, 0.07);
    assertThat(ramped.timeline().get(warm).share(0)).isBetween(0.09, 0.11);
    assertThat(plain.timeline().get(justJoined).share(0)).isBetween(0.09, 0.11);
  }

  private static int errorsIn(Result r, int fromSlice, int toSlice) {
    int errors = 0;
    for (int i = fromSlice; i <= toSlice; i++) {
      errors += r.timeline().get(i).errors();
    }
    return errors;
  }

  private static int sliceOf(Result r, long nanos) {
    for (int i = 0; i < r.timeline().size(); i++) {
      Slice s = r.timeline().get(i);
      if (nanos >= s.startNanos() && nanos < s.endNanos()) {
        return i;
      }
    }
    throw new AssertionError("no slice covers " + nanos);
  }
}
