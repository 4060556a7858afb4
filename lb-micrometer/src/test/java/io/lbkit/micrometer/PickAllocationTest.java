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
package io.lbkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadBalancerBuilder;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Metrics add no allocation to a pick and its report: the bytes the picking thread allocates over
 * many picks and completions (after warm-up, so that the JIT has compiled the path) are the same
 * with metrics bound to a Prometheus registry as without any observer.
 */
class PickAllocationTest {
  private static final int WARM_UP = 100_000;
  private static final int MEASURED = 200_000;

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static LoadBalancer balancer(@Nullable LoadBalancerMetrics metrics) {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      servers.add(Server.of("10.0.0." + i, 8080));
    }
    LoadBalancerBuilder b =
        LoadBalancer.builder().name("orders").selector(Selectors.roundRobin()).servers(servers);
    if (metrics != null) {
      b.observer(metrics.observer());
    }
    return b.build();
  }

  /** Bytes allocated per pick and report by this thread, on the handle-free path. */
  private static double endpointPathBytes(LoadBalancer lb) {
    Outcome[] outcomes = {Outcome.SUCCESS, Outcome.FAILURE, Outcome.SUCCESS, Outcome.CANCELLED};
    for (int i = 0; i < WARM_UP; i++) {
      long start = lb.pickStart();
      Endpoint e = lb.pickEndpoint(start);
      lb.complete(e, start, outcomes[i & 3]);
    }
    long tid = Thread.currentThread().getId();
    long before = THREADS.getThreadAllocatedBytes(tid);
    for (int i = 0; i < MEASURED; i++) {
      long start = lb.pickStart();
      Endpoint e = lb.pickEndpoint(start);
      lb.complete(e, start, outcomes[i & 3]);
    }
    return (double) (THREADS.getThreadAllocatedBytes(tid) - before) / MEASURED;
  }

  /** Bytes allocated per pick and report by this thread, with a {@link Pick} handle. */
  private static double handlePathBytes(LoadBalancer lb) {
    for (int i = 0; i < WARM_UP; i++) {
      Pick p = lb.pick();
      p.complete((i & 1) == 0 ? Outcome.SUCCESS : Outcome.TIMEOUT);
    }
    long tid = Thread.currentThread().getId();
    long before = THREADS.getThreadAllocatedBytes(tid);
    for (int i = 0; i < MEASURED; i++) {
      Pick p = lb.pick();
      p.complete((i & 1) == 0 ? Outcome.SUCCESS : Outcome.TIMEOUT);
    }
    return (double) (THREADS.getThreadAllocatedBytes(tid) - before) / MEASURED;
  }

  @ParameterizedTest(name = "perServerTags={0}")
  @ValueSource(booleans = {false, true})
  void metricsAddNoAllocationToPicksAndReports(boolean perServerTags) {
    assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
    THREADS.setThreadAllocatedMemoryEnabled(true);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (LoadBalancer plain = balancer(null)) {
      LoadBalancerMetrics metrics =
          LoadBalancerMetrics.builder().perServerTags(perServerTags).build();
      try (LoadBalancer observed = balancer(metrics)) {
        metrics.bindTo(registry);

        double plainEndpoint = endpointPathBytes(plain);
        double observedEndpoint = endpointPathBytes(observed);
        double plainHandle = handlePathBytes(plain);
        double observedHandle = handlePathBytes(observed);

        // The handle-free path allocates nothing; the handle path one 32-byte handle. Metrics
        // may add less than one byte per request on average (the registry's occasional
        // bookkeeping, a JIT deoptimisation), far below one object per request (16 bytes or more).
        assertThat(observedEndpoint)
            .as("bytes per pick+report without a handle, metrics vs none (%s)", plainEndpoint)
            .isLessThan(plainEndpoint + 1);
        assertThat(observedHandle)
            .as("bytes per pick+report with a handle, metrics vs none (%s)", plainHandle)
            .isLessThan(plainHandle + 1);
        // The requests were counted: the loop ran through the meters, not around them.
        double counted =
            registry.get(RequestMeters.SUCCESS).timers().stream().mapToLong(t -> t.count()).sum();
        assertThat(counted).isEqualTo(WARM_UP + MEASURED);
      }
    } finally {
      registry.close();
    }
  }

  @Test
  void theMeasurementSeesAnAllocation() {
    // The same measurement catches one small object per iteration, so a pass above is not vacuous.
    THREADS.setThreadAllocatedMemoryEnabled(true);
    long tid = Thread.currentThread().getId();
    Object[] sink = new Object[1];
    for (int i = 0; i < WARM_UP; i++) {
      sink[0] = new int[] {i};
    }
    long before = THREADS.getThreadAllocatedBytes(tid);
    for (int i = 0; i < MEASURED; i++) {
      sink[0] = new int[] {i};
    }
    double perOp = (double) (THREADS.getThreadAllocatedBytes(tid) - before) / MEASURED;
    assertThat(perOp).isGreaterThanOrEqualTo(1);
    assertThat(sink[0]).isNotNull();
  }
}
