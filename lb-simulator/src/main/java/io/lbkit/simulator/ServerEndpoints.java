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
package io.lbkit.simulator;

import io.lbkit.core.LoadReport;
import io.lbkit.core.ProbeTransport;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * What the simulated servers answer besides requests: their health endpoint and their load reports
 * to probes, both on simulated time, and the load reports their responses carry.
 *
 * <p>Active health checks ({@code +hc}) ask a simulated health endpoint: it answers in 1 ms, that
 * the server is healthy unless it is failing every request; a frozen server answers only when the
 * freeze ends, and a check whose answer would come after its timeout fails at the timeout (in
 * simulated time; the balancer's own real-time timeout never fires first, because the simulated
 * answer always comes within the simulated timeout and the simulation runs much faster than real
 * time).
 *
 * <p>Probes of the probing selector ({@code probing}, {@code probing/q=0.6/r=1}) travel {@link
 * #PROBE_ONE_WAY_NANOS} each way; the server answers with its requests in flight (queued and in
 * service) and the median latency (queueing and service) of its last {@link
 * ServerQueues#SERVER_LATENCY_WINDOW} requests as it is when the probe arrives (a frozen server
 * answers when the freeze ends), and each probe costs the server {@link
 * ServerQueues#PROBE_WORK_NANOS} of work (at its current speed), which delays the request in
 * service that would end first. Every probe sent is counted in the run's {@link Measurements}. The
 * same report rides on each of the server's responses to a probing client ({@link #report}), as
 * lb-server's filter and interceptor send it.
 */
final class ServerEndpoints {
  private static final long HEALTH_CHECK_LATENCY_NANOS = 1_000_000;

  /** A probe's network delay each way: a round trip of 0.2 ms within a data centre. */
  static final long PROBE_ONE_WAY_NANOS = 100_000;

  private final SimClock clock;
  private final VirtualScheduler scheduler;
  private final ServerQueues queues;
  private final Measurements measurements;
  private final ToIntFunction<Server> indexOf;

  ServerEndpoints(
      SimClock clock,
      VirtualScheduler scheduler,
      ServerQueues queues,
      Measurements measurements,
      ToIntFunction<Server> indexOf) {
    this.clock = clock;
    this.scheduler = scheduler;
    this.queues = queues;
    this.measurements = measurements;
    this.indexOf = indexOf;
  }

  /** The simulated probe transport (see the class comment), shared by every client. */
  ProbeTransport probeTransport() {
    return endpoint -> {
      measurements.probed();
      CompletableFuture<LoadReport> answer = new CompletableFuture<>();
      int server = indexOf.applyAsInt(endpoint.server());
      long arrival =
          PROBE_ONE_WAY_NANOS + queues.frozenRemaining(server, clock.read() + PROBE_ONE_WAY_NANOS);
      ScheduledFuture<?> unused =
          scheduler.schedule(
              () -> {
                LoadReport report = report(server);
                queues.probeWork(server);
                ScheduledFuture<?> unusedReply =
                    scheduler.schedule(
                        () -> answer.complete(report), PROBE_ONE_WAY_NANOS, TimeUnit.NANOSECONDS);
              },
              arrival,
              TimeUnit.NANOSECONDS);
      return answer;
    };
  }

  /**
   * The server's load report now, to a probe or with a response: its requests in flight (queued and
   * in service) and its median recent latency at about that many ({@link
   * ServerQueues#medianLatency}).
   */
  LoadReport report(int server) {
    int inFlight = queues.inSystem(server);
    return LoadReport.of(inFlight, queues.medianLatency(server, inFlight));
  }

  /** The simulated health endpoint of a server (see the class comment). */
  CompletableFuture<Boolean> healthCheck(Server server, Duration timeout) {
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    int index = indexOf.applyAsInt(server);
    long now = clock.read();
    long delay = queues.frozenRemaining(index, now) + HEALTH_CHECK_LATENCY_NANOS;
    boolean timedOut = delay > timeout.toNanos();
    ScheduledFuture<?> unused =
        scheduler.schedule(
            () -> {
              ErrorBurst burst = queues.errorBurst(index, clock.read());
              answer.complete(!timedOut && (burst == null || burst.fraction() < 1.0));
            },
            Math.min(delay, timeout.toNanos()),
            TimeUnit.NANOSECONDS);
    return answer;
  }
}
