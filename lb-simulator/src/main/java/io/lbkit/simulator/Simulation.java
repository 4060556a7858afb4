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

import com.google.common.collect.ImmutableList;
import io.lbkit.core.HealthListener;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadBalancerBuilder;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The discrete-event simulation of one policy on one scenario. Time is simulated: one priority
 * queue of events (arrival, service end, error response, deadline, scheduled task; {@link
 * PendingEvents}) ordered by time and then by creation order, one thread, no sleeping. Each
 * client's balancer is a real {@link LoadBalancer} with the simulation clock as its ticker and a
 * {@link VirtualScheduler} as its scheduler, so that its latency measurements, outlier detection,
 * slow start and maintenance all run on simulated time; a request calls {@link LoadBalancer#pick()}
 * at its arrival and {@link Pick#complete(Outcome)} at its service end ({@link Outcome#SUCCESS}),
 * at its error response ({@link Outcome#FAILURE}) or at its deadline ({@link Outcome#TIMEOUT}),
 * whichever comes first.
 *
 * <p>Servers are FIFO queues with a number of parallel slots, slowed, frozen and sped up as the
 * scenario says ({@link ServerQueues}). An error response comes without queueing (see {@link
 * ErrorBurst}); a joining server is added to every balancer at its time (see {@link Join}), a
 * leaving one removed and added again (see {@link Leave}); a long stream is served to its first
 * response like a request, reports that start, and completes when it closes (see {@link
 * LongStreams}). What a run measures is collected by {@link Measurements}.
 *
 * <p>Every random stream (arrivals, service times, client choice, oracle ties, error draws, the
 * slow sets of fluctuations, and each balancer's own draws through {@link
 * LoadBalancerBuilder#random}) is split from the seed, so a run is a function of scenario, policy
 * and seed: the same seed gives the identical result for every policy. Arrivals, base service times
 * and error draws come from streams of their own, so they do not depend on the policy (common
 * random numbers). Outlier detection's ejection jitter draws from the balancer's generator too.
 *
 * <p>Active health checks ({@code +hc}) ask a simulated health endpoint, and the probing selector's
 * probes a simulated load-report endpoint, both on simulated time ({@link ServerEndpoints}). A
 * result counts the probes sent per request.
 *
 * <p>Not simulated: network delay of requests, retries.
 */
public final class Simulation {
  private final Scenario scenario;
  private final SimClock clock = new SimClock();
  private final PendingEvents events = new PendingEvents();
  private final VirtualScheduler scheduler;

  private final SplittableRandom arrivalRandom;
  private final SplittableRandom serviceRandom;
  private final SplittableRandom clientRandom;
  private final SplittableRandom oracleRandom;
  private final SplittableRandom errorRandom;
  private final SplittableRandom streamRandom;

  private final ImmutableList<Server> servers;
  private final Map<String, Integer> indexById = new HashMap<>();
  private final ServerQueues queues;
  private final Measurements measurements;
  private final List<LoadBalancer> balancers = new ArrayList<>();
  private final ServerEndpoints endpoints;

  // Whether the servers' responses carry their load reports to the clients: for probing policies,
  // as lb-server's filter and interceptor add them to every response and lbkit's adapters hand
  // them to the balancer (LoadBalancer.reportLoad) before the call completes. Other selectors
  // ignore reports, so they are not computed for them.
  private final boolean reportsOnResponses;

  private double nextArrivalNanos;
  private int arrived;

  private Simulation(Scenario scenario, String policy, long seed) {
    this.scenario = scenario;
    PolicySpec spec = PolicySpec.parse(policy);
    SplittableRandom master = new SplittableRandom(seed);
    this.arrivalRandom = master.split();
    this.serviceRandom = master.split();
    this.clientRandom = master.split();
    this.oracleRandom = master.split();
    this.errorRandom = master.split();
    SplittableRandom fluctuationRandom = master.split();
    SplittableRandom balancerRandom = master.split();
    // Split last, so that scenarios without streams draw exactly what they drew before.
    this.streamRandom = master.split();
    this.scheduler =
        new VirtualScheduler(clock, (time, task) -> events.schedule(time, Event.TASK, null, task));
    this.queues = new ServerQueues(scenario, clock, events, fluctuationRandom);
    this.measurements = new Measurements(scenario, policy, seed);
    int n = scenario.servers();
    ImmutableList.Builder<Server> list = ImmutableList.builder();
    for (int i = 0; i < n; i++) {
      Server s = Server.of("s" + i, 80);
      list.add(s);
      indexById.put(s.id(), i);
    }
    this.servers = list.build();
    this.endpoints = new ServerEndpoints(clock, scheduler, queues, measurements, this::indexOf);
    this.reportsOnResponses = Policies.isProbing(spec.selector());
    QueueView view = new View();
    Set<Integer> joining = new HashSet<>();
    for (Join j : scenario.joins()) {
      joining.add(j.server());
    }
    List<Server> initial = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!joining.contains(i)) {
        initial.add(servers.get(i));
      }
    }
    HealthListener countEjections =
        new HealthListener() {
          @Override
          public void onStateChange(Server server, HealthState from, HealthState to, String why) {
            if (to == HealthState.EJECTED) {
              measurements.ejected();
            }
          }
        };
    for (int c = 0; c < scenario.clients(); c++) {
      LoadBalancerBuilder b =
          LoadBalancer.builder()
              .name("client-" + c)
              .selector(Policies.create(spec.selector(), view, c))
              .servers(initial)
              .ticker(clock)
              .random(balancerRandom.split())
              .scheduler(scheduler)
              .listener(countEjections);
      if (spec.outlierDetection()) {
        b.outlierDetection(PolicySpec.OUTLIER_DETECTION);
      }
      if (spec.slowStart()) {
        b.slowStart(PolicySpec.SLOW_START);
      }
      if (spec.healthCheck()) {
        b.healthCheck(PolicySpec.healthCheck(endpoints::healthCheck));
      }
      if (Policies.isProbing(spec.selector())) {
        b.probeTransport(endpoints.probeTransport());
      }
      Duration decay = spec.decay();
      if (decay != null) {
        b.latencyModel(decay, PolicySpec.FAILURE_FACTOR, PolicySpec.FAILURE_FLOOR);
      }
      balancers.add(b.build());
    }
  }

  /**
   * Runs {@code policy} on {@code scenario} with this seed and returns what it measured.
   *
   * @throws IllegalArgumentException for an unknown policy
   */
  public static Result run(Scenario scenario, String policy, long seed) {
    return new Simulation(scenario, policy, seed).run();
  }

  private Result run() {
    try {
      scheduleDisturbances();
      scheduleNextArrival();
      while (events.hasLive()) {
        Event e = events.next();
        clock.advanceTo(e.time);
        switch (e.kind) {
          case Event.ARRIVAL -> arrive();
          case Event.SERVICE_END -> endService(e);
          case Event.DEADLINE -> deadline(e.request);
          case Event.ERROR_REPLY -> errorReply(e.request);
          case Event.TASK -> requireTask(e.task).run();
          case Event.STREAM_END -> requireRequest(e.request).pick.complete(Outcome.SUCCESS);
          default -> throw new AssertionError(e.kind);
        }
      }
      return measurements.result(arrived);
    } finally {
      for (LoadBalancer b : balancers) {
        b.close();
      }
      scheduler.shutdownNow();
    }
  }

  /** Puts joins, fluctuations and queue-length reports on the virtual scheduler. */
  private void scheduleDisturbances() {
    for (Join j : scenario.joins()) {
      ScheduledFuture<?> unused =
          scheduler.schedule(
              () -> {
                for (LoadBalancer b : balancers) {
                  b.addServer(servers.get(j.server()));
                }
              },
              j.atNanos(),
              TimeUnit.NANOSECONDS);
    }
    for (Leave l : scenario.leaves()) {
      Server server = servers.get(l.server());
      ScheduledFuture<?> unusedLeave =
          scheduler.schedule(
              () -> {
                for (LoadBalancer b : balancers) {
                  b.removeServer(server.id());
                }
              },
              l.fromNanos(),
              TimeUnit.NANOSECONDS);
      ScheduledFuture<?> unusedReturn =
          scheduler.schedule(
              () -> {
                for (LoadBalancer b : balancers) {
                  b.addServer(server);
                }
              },
              l.toNanos(),
              TimeUnit.NANOSECONDS);
    }
    for (int i = 0; i < scenario.fluctuations().size(); i++) {
      int fluctuation = i;
      ScheduledFuture<?> unused =
          scheduler.scheduleAtFixedRate(
              () -> queues.drawSlowSet(fluctuation),
              0,
              scenario.fluctuations().get(i).periodNanos(),
              TimeUnit.NANOSECONDS);
    }
    ScheduledFuture<?> unused =
        scheduler.scheduleAtFixedRate(
            queues::report, 0, scenario.reportIntervalNanos(), TimeUnit.NANOSECONDS);
  }

  private void scheduleNextArrival() {
    double t = nextArrivalNanos;
    while (true) {
      double meanGapNanos = 1e9 / (scenario.ratePerSecond() * loadFactorAt(t));
      double gap = -meanGapNanos * Math.log(1.0 - arrivalRandom.nextDouble());
      double boundary = nextStepAfter(t);
      if (t + gap < boundary) {
        t += gap;
        break;
      }
      // Poisson arrivals are memoryless: at a step, draw afresh at the new rate from there.
      t = boundary;
    }
    // Accumulated in double so that rounding each gap to whole nanoseconds adds no drift.
    nextArrivalNanos = t;
    events.schedule(Math.round(nextArrivalNanos), Event.ARRIVAL, null, null);
  }

  private double loadFactorAt(double t) {
    double factor = 1.0;
    for (LoadStep s : scenario.loadSteps()) {
      if (s.fromNanos() <= t) {
        factor = s.factor();
      }
    }
    return factor;
  }

  private double nextStepAfter(double t) {
    for (LoadStep s : scenario.loadSteps()) {
      if (s.fromNanos() > t) {
        return s.fromNanos();
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  private void arrive() {
    long now = clock.read();
    int id = arrived++;
    long baseService = scenario.serviceTime().sampleNanos(serviceRandom);
    int client = scenario.clients() == 1 ? 0 : clientRandom.nextInt(scenario.clients());
    // Drawn for every request, failing or not, so that all policies see the same draws.
    double errorDraw = scenario.errorBursts().isEmpty() ? 1.0 : errorRandom.nextDouble();
    if (arrived < scenario.requests()) {
      scheduleNextArrival();
    }
    measurements.arrived(id, now);
    Pick pick;
    try {
      pick = balancers.get(client).pick();
    } catch (NoAvailableServerException e) {
      measurements.noServer(id);
      return;
    }
    int server = indexOf(pick.server());
    Request r = new Request(id, now, baseService, client, server, pick);
    measurements.picked(id, server);
    ErrorBurst burst = queues.errorBurst(server, now);
    if (burst != null && errorDraw < burst.fraction()) {
      events.schedule(now + burst.latencyNanos(), Event.ERROR_REPLY, r, null);
    } else {
      // The requests it finds in flight, not counting itself: the level a probe answered now
      // reports for (its requests in flight), as lbkit's server-side LoadRecorder keeps them.
      r.rifAtArrival = queues.inSystem(server);
      queues.admit(r);
    }
    if (scenario.timeoutNanos() > 0) {
      events.schedule(now + scenario.timeoutNanos(), Event.DEADLINE, r, null);
    }
    for (LongStreams streams : scenario.longStreams()) {
      // Drawn for every arrival, so that all policies see the same streams.
      if (streamRandom.nextDouble() < streams.perRequest()) {
        openStream(client, streams, scenario.serviceTime().sampleNanos(streamRandom), now);
      }
    }
  }

  /** A stream pinned to its server, served to its first response like a request (not measured). */
  private void openStream(int client, LongStreams streams, long baseService, long now) {
    Server target = servers.get(streams.server());
    Pick pick = balancers.get(client).pickServer(target.id()).orElse(null);
    if (pick == null) {
      return; // the server may not be picked now (ejected, away): no stream
    }
    Request r = new Request(-1, now, baseService, client, streams.server(), pick);
    r.streamNanos = streams.durationNanos();
    queues.admit(r);
  }

  private void endService(Event e) {
    Request req = requireRequest(e.request);
    if (e.version != req.serviceVersion) {
      return; // rescheduled by a change of speed
    }
    queues.finish(req);
    if (req.streamNanos >= 0) {
      // A stream's first response: the latency sample is taken now, and the stream stays in
      // flight, holding no slot, until it closes.
      req.pick.responseStarted();
      events.schedule(clock.read() + req.streamNanos, Event.STREAM_END, req, null);
    } else if (!req.done) {
      req.done = true;
      queues.answer(req.client, req.server);
      reportOnResponse(req);
      req.pick.complete(Outcome.SUCCESS);
      measurements.succeeded(req.id, clock.read() - req.arrivalNanos);
    }
    queues.startNext(req.server);
  }

  /** The server's load report, as its response carries it, to the client that sent the request. */
  private void reportOnResponse(Request req) {
    if (reportsOnResponses) {
      balancers.get(req.client).reportLoad(req.pick.endpoint(), endpoints.report(req.server));
    }
  }

  private void errorReply(@Nullable Request r) {
    Request req = requireRequest(r);
    if (req.done) {
      return;
    }
    req.done = true;
    queues.answer(req.client, req.server);
    reportOnResponse(req);
    req.pick.complete(Outcome.FAILURE);
    measurements.failed(req.id, clock.read() - req.arrivalNanos);
  }

  private void deadline(@Nullable Request r) {
    Request req = requireRequest(r);
    if (req.done) {
      return;
    }
    req.done = true;
    req.pick.complete(Outcome.TIMEOUT);
    measurements.timedOut(req.id);
  }

  private int indexOf(Server server) {
    Integer i = indexById.get(server.id());
    if (i == null) {
      throw new IllegalStateException("not a simulated server: " + server);
    }
    return i;
  }

  private static Runnable requireTask(@Nullable Runnable task) {
    if (task == null) {
      throw new IllegalStateException("task event without a task");
    }
    return task;
  }

  private static Request requireRequest(@Nullable Request r) {
    if (r == null) {
      throw new IllegalStateException("event without a request");
    }
    return r;
  }

  /** The simulator's own policies' window on the simulation. */
  private final class View implements QueueView {
    @Override
    public int queueLength(Server server) {
      return queues.inSystem(indexOf(server));
    }

    @Override
    public double trueServiceNanos(Server server) {
      int i = indexOf(server);
      long now = clock.read();
      return scenario.serviceTime().meanNanos() * queues.multiplier(i, now)
          + queues.frozenRemaining(i, now);
    }

    @Override
    public double errorFraction(Server server) {
      ErrorBurst e = queues.errorBurst(indexOf(server), clock.read());
      return e == null ? 0 : e.fraction();
    }

    @Override
    public int reportedQueueLength(Server server) {
      return queues.reported(indexOf(server));
    }

    @Override
    public int feedbackQueueLength(int client, Server server) {
      return queues.feedback(client, indexOf(server));
    }

    @Override
    public int nextInt(int bound) {
      return oracleRandom.nextInt(bound);
    }
  }
}
