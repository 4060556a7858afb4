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
import io.lbkit.core.LoadReport;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.ProbeTransport;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The discrete-event simulation of one policy on one scenario. Time is simulated: one priority
 * queue of events (arrival, service end, error response, deadline, scheduled task) ordered by time
 * and then by creation order, one thread, no sleeping. Each client's balancer is a real {@link
 * LoadBalancer} with the simulation clock as its ticker and a {@link VirtualScheduler} as its
 * scheduler, so that its latency measurements, outlier detection, slow start and maintenance all
 * run on simulated time; a request calls {@link LoadBalancer#pick()} at its arrival and {@link
 * Pick#complete(Outcome)} at its service end ({@link Outcome#SUCCESS}), at its error response
 * ({@link Outcome#FAILURE}) or at its deadline ({@link Outcome#TIMEOUT}), whichever comes first.
 *
 * <p>Servers are FIFO queues with a number of parallel slots. A timed-out request stays at its
 * server and is served anyway (the server does not know that the client gave up), as with real
 * servers without deadline propagation. A request's service time is drawn at its arrival and scaled
 * by its server's slowdown when its service starts; a fluctuation changes the speed of the work in
 * progress too (see {@link Fluctuation}); a freeze pauses the server's work (see {@link Freeze});
 * an error response comes without queueing (see {@link ErrorBurst}); a joining server is added to
 * every balancer at its time (see {@link Join}), a leaving one removed and added again (see {@link
 * Leave}); a slow reply takes its given time instead of the drawn one (see {@link SlowReplies}); a
 * long stream is served to its first response like a request, reports that start, and completes
 * when it closes (see {@link LongStreams}).
 *
 * <p>Every random stream (arrivals, service times, client choice, oracle ties, error draws, the
 * slow sets of fluctuations, and each balancer's own draws through {@link
 * LoadBalancerBuilder#random}) is split from the seed, so a run is a function of scenario, policy
 * and seed: the same seed gives the identical result for every policy. Arrivals, base service times
 * and error draws come from streams of their own, so they do not depend on the policy (common
 * random numbers). Outlier detection's ejection jitter draws from the balancer's generator too.
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
 * service) and the median latency (queueing and service) of its last {@link #SERVER_LATENCY_WINDOW}
 * requests as it is when the probe arrives (a frozen server answers when the freeze ends), and each
 * probe costs the server {@link #PROBE_WORK_NANOS} of work (at its current speed), which delays the
 * request in service that would end first. A result counts the probes sent per request.
 *
 * <p>Not simulated: network delay of requests, retries.
 */
public final class Simulation {
  private static final int ARRIVAL = 0;
  private static final int SERVICE_END = 1;
  private static final int DEADLINE = 2;
  private static final int ERROR_REPLY = 3;
  private static final int TASK = 4;
  private static final int STREAM_END = 5;

  private static final long HEALTH_CHECK_LATENCY_NANOS = 1_000_000;

  /** A probe's network delay each way: a round trip of 0.2 ms within a data centre. */
  static final long PROBE_ONE_WAY_NANOS = 100_000;

  /** The server work one probe costs (reading two counters and answering). */
  static final long PROBE_WORK_NANOS = 20_000;

  /** How many latest latencies a server keeps per level of requests in flight. */
  static final int SERVER_LATENCY_WINDOW = 8;

  /** How long a server's latency sample counts as recent. */
  static final long SERVER_LATENCY_MAX_AGE_NANOS = 500_000_000L;

  /** The levels of requests in flight a server keeps latencies for (the last holds all above). */
  static final int SERVER_RIF_LEVELS = 64;

  /** The number of intervals of a result's timeline. */
  static final int TIMELINE_SLICES = 60;

  // Per measured request, what the timeline needs: how it ended (one of these), where it went.
  private static final byte PENDING = 0; // not ended yet: none are, once the events run out
  private static final byte SUCCEEDED = 1;
  private static final byte TIMED_OUT = 2;
  private static final byte FAILED = 3;

  private final Scenario scenario;
  private final String policy;
  private final long seed;
  private final SimClock clock = new SimClock();
  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          Comparator.comparingLong((Event e) -> e.time).thenComparingLong(e -> e.seq));
  private long nextSeq;
  // Events that belong to requests (not scheduled tasks): the run ends when none are left, since
  // periodic tasks (maintenance, reports, fluctuations) would go on for ever.
  private int live;
  private final VirtualScheduler scheduler;

  private final SplittableRandom arrivalRandom;
  private final SplittableRandom serviceRandom;
  private final SplittableRandom clientRandom;
  private final SplittableRandom oracleRandom;
  private final SplittableRandom errorRandom;
  private final SplittableRandom fluctuationRandom;
  private final SplittableRandom streamRandom;

  private final ImmutableList<Server> servers;
  private final Map<String, Integer> indexById = new HashMap<>();
  private final int[] inSystem;
  private final int[] busy;
  private final int[] reported;
  // Per client and server: the queue length the server sent back with its last response to the
  // client (piggybacked load feedback, as in C3).
  private final int[][] feedback;
  private final List<ArrayDeque<Request>> waiting = new ArrayList<>();
  private final List<List<Request>> inService = new ArrayList<>();
  private final List<List<Freeze>> freezesByServer = new ArrayList<>();
  private final double[][] fluctuationFactor;
  private final List<LoadBalancer> balancers = new ArrayList<>();
  // Per entry of the scenario's slow replies: how many of them are still to come.
  private final int[] slowRepliesLeft;

  private double nextArrivalNanos;
  private int arrived;
  private final long[] latencies;
  private final long[] arrivals;
  private final int[] serverOf;
  private final byte[] ending;
  private final long[] measuredPicks;
  private int successes;
  private int timeouts;
  private int errors;
  private int ejections;
  private long probes;
  // Per server and level of requests in flight at arrival: the latest latencies (queueing and
  // service), a ring, for its load reports.
  private final long[][][] serverLatencies;
  private final long[][][] serverLatencyTimes;
  private final int[][] serverLatencyCount;

  private Simulation(Scenario scenario, String policy, long seed) {
    this.scenario = scenario;
    this.policy = policy;
    this.seed = seed;
    PolicySpec spec = PolicySpec.parse(policy);
    SplittableRandom master = new SplittableRandom(seed);
    this.arrivalRandom = master.split();
    this.serviceRandom = master.split();
    this.clientRandom = master.split();
    this.oracleRandom = master.split();
    this.errorRandom = master.split();
    this.fluctuationRandom = master.split();
    SplittableRandom balancerRandom = master.split();
    // Split last, so that scenarios without streams draw exactly what they drew before.
    this.streamRandom = master.split();
    this.scheduler = new VirtualScheduler(clock, (time, task) -> schedule(time, TASK, null, task));
    int n = scenario.servers();
    ImmutableList.Builder<Server> list = ImmutableList.builder();
    for (int i = 0; i < n; i++) {
      Server s = Server.of("s" + i, 80);
      list.add(s);
      indexById.put(s.id(), i);
      waiting.add(new ArrayDeque<>());
      inService.add(new ArrayList<>());
      freezesByServer.add(new ArrayList<>());
    }
    this.servers = list.build();
    for (Freeze f : scenario.freezes()) {
      freezesByServer.get(f.server()).add(f);
    }
    for (List<Freeze> l : freezesByServer) {
      l.sort(Comparator.comparingLong(Freeze::fromNanos));
    }
    this.inSystem = new int[n];
    this.busy = new int[n];
    this.reported = new int[n];
    this.feedback = new int[scenario.clients()][n];
    this.fluctuationFactor = new double[scenario.fluctuations().size()][n];
    for (double[] f : fluctuationFactor) {
      Arrays.fill(f, 1.0);
    }
    int measured = scenario.requests() - scenario.warmupRequests();
    this.latencies = new long[measured];
    this.arrivals = new long[measured];
    this.serverOf = new int[measured];
    this.ending = new byte[measured];
    this.measuredPicks = new long[n];
    this.serverLatencies = new long[n][SERVER_RIF_LEVELS][SERVER_LATENCY_WINDOW];
    this.serverLatencyTimes = new long[n][SERVER_RIF_LEVELS][SERVER_LATENCY_WINDOW];
    this.serverLatencyCount = new int[n][SERVER_RIF_LEVELS];
    this.slowRepliesLeft = new int[scenario.slowReplies().size()];
    for (int i = 0; i < slowRepliesLeft.length; i++) {
      slowRepliesLeft[i] = scenario.slowReplies().get(i).count();
    }
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
              ejections++;
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
        b.healthCheck(PolicySpec.healthCheck(this::healthCheck));
      }
      if (Policies.isProbing(spec.selector())) {
        b.probeTransport(probeTransport());
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
      while (live > 0) {
        Event e = events.poll();
        clock.advanceTo(e.time);
        if (e.kind != TASK) {
          live--;
        }
        switch (e.kind) {
          case ARRIVAL -> arrive();
          case SERVICE_END -> endService(e);
          case DEADLINE -> deadline(e.request);
          case ERROR_REPLY -> errorReply(e.request);
          case TASK -> requireTask(e.task).run();
          case STREAM_END -> requireRequest(e.request).pick.complete(Outcome.SUCCESS);
          default -> throw new AssertionError(e.kind);
        }
      }
      return result();
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
      Fluctuation f = scenario.fluctuations().get(i);
      double[] factor = fluctuationFactor[i];
      ScheduledFuture<?> unused =
          scheduler.scheduleAtFixedRate(
              () -> drawSlowSet(f, factor), 0, f.periodNanos(), TimeUnit.NANOSECONDS);
    }
    ScheduledFuture<?> unused =
        scheduler.scheduleAtFixedRate(
            () -> System.arraycopy(inSystem, 0, reported, 0, inSystem.length),
            0,
            scenario.reportIntervalNanos(),
            TimeUnit.NANOSECONDS);
  }

  /** A fresh random slow set of the fluctuation's size: a partial Fisher-Yates shuffle. */
  private void drawSlowSet(Fluctuation f, double[] factor) {
    int n = factor.length;
    int slow = (int) Math.round(f.slowFraction() * n);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    double[] old = factor.clone();
    Arrays.fill(factor, 1.0);
    for (int i = 0; i < slow; i++) {
      int j = i + fluctuationRandom.nextInt(n - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
      factor[order[i]] = f.multiplier();
    }
    for (int server = 0; server < n; server++) {
      if (factor[server] != old[server]) {
        changeSpeed(server, factor[server] / old[server]);
      }
    }
  }

  /**
   * A server's speed changes while requests are in service: the work each has left now takes {@code
   * ratio} times as long (a processor whose rate changes, so that a slow phase shorter than a slow
   * request still costs only its own length). The old service-end events go stale.
   */
  private void changeSpeed(int server, double ratio) {
    long now = clock.read();
    for (Request r : inService.get(server)) {
      long remaining = r.serviceEndNanos - now;
      if (remaining > 0) {
        r.serviceEndNanos = now + Math.round(remaining * ratio);
        r.serviceVersion++;
        scheduleServiceEnd(r);
      }
    }
  }

  private void scheduleServiceEnd(Request r) {
    live++;
    events.add(new Event(r.serviceEndNanos, nextSeq++, SERVICE_END, r, null, r.serviceVersion));
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
    schedule(Math.round(nextArrivalNanos), ARRIVAL, null, null);
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
    int m = id - scenario.warmupRequests();
    if (m >= 0) {
      arrivals[m] = now;
      serverOf[m] = -1;
      ending[m] = PENDING;
    }
    Pick pick;
    try {
      pick = balancers.get(client).pick();
    } catch (NoAvailableServerException e) {
      if (m >= 0) {
        errors++;
        latencies[m] = 0;
        ending[m] = FAILED;
      }
      return;
    }
    int server = indexOf(pick.server());
    Request r = new Request(id, now, baseService, client, server, pick);
    if (m >= 0) {
      measuredPicks[server]++;
      serverOf[m] = server;
    }
    ErrorBurst burst = errorBurst(server, now);
    if (burst != null && errorDraw < burst.fraction()) {
      schedule(now + burst.latencyNanos(), ERROR_REPLY, r, null);
    } else {
      // The requests it finds in flight, not counting itself: the level a probe answered now
      // reports for (its requests in flight), as lbkit's server-side LoadRecorder keeps them.
      r.rifAtArrival = inSystem[server];
      inSystem[server]++;
      if (busy[server] < scenario.concurrency()) {
        startService(r);
      } else {
        waiting.get(server).add(r);
      }
    }
    if (scenario.timeoutNanos() > 0) {
      schedule(now + scenario.timeoutNanos(), DEADLINE, r, null);
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
    inSystem[r.server]++;
    if (busy[r.server] < scenario.concurrency()) {
      startService(r);
    } else {
      waiting.get(r.server).add(r);
    }
  }

  private @Nullable ErrorBurst errorBurst(int server, long now) {
    for (ErrorBurst e : scenario.errorBursts()) {
      if (e.covers(server, now)) {
        return e;
      }
    }
    return null;
  }

  /** The server's current service-time factor: its slow periods times its fluctuations. */
  private double multiplier(int server, long now) {
    double multiplier = 1.0;
    for (Slowdown s : scenario.slowdowns()) {
      if (s.covers(server, now)) {
        multiplier *= s.multiplier();
      }
    }
    for (double[] f : fluctuationFactor) {
      multiplier *= f[server];
    }
    return multiplier;
  }

  private void startService(Request r) {
    long now = clock.read();
    busy[r.server]++;
    long end = now + Math.round(r.baseServiceNanos * multiplier(r.server, now));
    for (int i = 0; i < slowRepliesLeft.length; i++) {
      SlowReplies slow = scenario.slowReplies().get(i);
      if (slowRepliesLeft[i] > 0 && slow.server() == r.server && now >= slow.fromNanos()) {
        slowRepliesLeft[i]--;
        end = now + slow.latencyNanos();
        break;
      }
    }
    // Work pauses during a freeze: every freeze that overlaps the (growing) service interval
    // pushes its end back by the overlap. Freezes of a server are sorted and disjoint.
    for (Freeze f : freezesByServer.get(r.server)) {
      if (f.toNanos() <= now) {
        continue;
      }
      if (f.fromNanos() >= end) {
        break;
      }
      end += f.toNanos() - Math.max(f.fromNanos(), now);
    }
    r.serviceEndNanos = end;
    inService.get(r.server).add(r);
    scheduleServiceEnd(r);
  }

  /** The simulated probe transport (see the class comment), shared by every client. */
  private ProbeTransport probeTransport() {
    return endpoint -> {
      probes++;
      CompletableFuture<LoadReport> answer = new CompletableFuture<>();
      int server = indexOf(endpoint.server());
      long arrival =
          PROBE_ONE_WAY_NANOS + frozenRemaining(server, clock.read() + PROBE_ONE_WAY_NANOS);
      ScheduledFuture<?> unused =
          scheduler.schedule(
              () -> {
                LoadReport report =
                    LoadReport.of(inSystem[server], medianLatency(server, inSystem[server]));
                probeWork(server);
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
   * Prequal's server-side latency: the median of the server's latest latencies of requests that
   * arrived at this level of requests in flight in the last {@link #SERVER_LATENCY_MAX_AGE_NANOS},
   * or at the nearest level with any (the lower one first); 0 without any recent one.
   */
  private long medianLatency(int server, int rif) {
    int level = Math.min(rif, SERVER_RIF_LEVELS - 1);
    long oldest = clock.read() - SERVER_LATENCY_MAX_AGE_NANOS;
    long[] recent = new long[SERVER_LATENCY_WINDOW];
    for (int d = 0; d < SERVER_RIF_LEVELS; d++) {
      for (int l : new int[] {level - d, level + d}) {
        if (l < 0 || l >= SERVER_RIF_LEVELS || (d == 0 && l != level - d)) {
          continue;
        }
        int stored = Math.min(serverLatencyCount[server][l], SERVER_LATENCY_WINDOW);
        int count = 0;
        for (int i = 0; i < stored; i++) {
          if (serverLatencyTimes[server][l][i] >= oldest) {
            recent[count++] = serverLatencies[server][l][i];
          }
        }
        if (count > 0) {
          Arrays.sort(recent, 0, count);
          return recent[count / 2];
        }
      }
    }
    return 0;
  }

  /** A probe's work on a busy server delays the request in service that would end first. */
  private void probeWork(int server) {
    long now = clock.read();
    Request first = null;
    for (Request r : inService.get(server)) {
      if (r.serviceEndNanos > now && (first == null || r.serviceEndNanos < first.serviceEndNanos)) {
        first = r;
      }
    }
    if (first != null) {
      first.serviceEndNanos += Math.round(PROBE_WORK_NANOS * multiplier(server, now));
      first.serviceVersion++;
      scheduleServiceEnd(first);
    }
  }

  /** The simulated health endpoint of a server (see the class comment). */
  private CompletableFuture<Boolean> healthCheck(Server server, Duration timeout) {
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    int index = indexOf(server);
    long now = clock.read();
    long delay = frozenRemaining(index, now) + HEALTH_CHECK_LATENCY_NANOS;
    boolean timedOut = delay > timeout.toNanos();
    ScheduledFuture<?> unused =
        scheduler.schedule(
            () -> {
              ErrorBurst burst = errorBurst(index, clock.read());
              answer.complete(!timedOut && (burst == null || burst.fraction() < 1.0));
            },
            Math.min(delay, timeout.toNanos()),
            TimeUnit.NANOSECONDS);
    return answer;
  }

  /** What remains of a freeze the server is in now, or 0. */
  private long frozenRemaining(int server, long now) {
    for (Freeze f : freezesByServer.get(server)) {
      if (now >= f.fromNanos() && now < f.toNanos()) {
        return f.toNanos() - now;
      }
    }
    return 0;
  }

  private void endService(Event e) {
    Request req = requireRequest(e.request);
    if (e.version != req.serviceVersion) {
      return; // rescheduled by a change of speed
    }
    inService.get(req.server).remove(req);
    busy[req.server]--;
    inSystem[req.server]--;
    if (req.streamNanos < 0) {
      int level = Math.min(req.rifAtArrival, SERVER_RIF_LEVELS - 1);
      int slot = serverLatencyCount[req.server][level]++ % SERVER_LATENCY_WINDOW;
      serverLatencies[req.server][level][slot] = clock.read() - req.arrivalNanos;
      serverLatencyTimes[req.server][level][slot] = clock.read();
    }
    if (req.streamNanos >= 0) {
      // A stream's first response: the latency sample is taken now, and the stream stays in
      // flight, holding no slot, until it closes.
      req.pick.responseStarted();
      schedule(clock.read() + req.streamNanos, STREAM_END, req, null);
    } else if (!req.done) {
      req.done = true;
      feedback[req.client][req.server] = inSystem[req.server];
      req.pick.complete(Outcome.SUCCESS);
      if (req.id >= scenario.warmupRequests()) {
        successes++;
        latencies[req.id - scenario.warmupRequests()] = clock.read() - req.arrivalNanos;
        ending[req.id - scenario.warmupRequests()] = SUCCEEDED;
      }
    }
    Request next = waiting.get(req.server).poll();
    if (next != null) {
      startService(next);
    }
  }

  private void errorReply(@Nullable Request r) {
    Request req = requireRequest(r);
    if (req.done) {
      return;
    }
    req.done = true;
    feedback[req.client][req.server] = inSystem[req.server];
    req.pick.complete(Outcome.FAILURE);
    if (req.id >= scenario.warmupRequests()) {
      errors++;
      latencies[req.id - scenario.warmupRequests()] = clock.read() - req.arrivalNanos;
      ending[req.id - scenario.warmupRequests()] = FAILED;
    }
  }

  private void deadline(@Nullable Request r) {
    Request req = requireRequest(r);
    if (req.done) {
      return;
    }
    req.done = true;
    req.pick.complete(Outcome.TIMEOUT);
    if (req.id >= scenario.warmupRequests()) {
      timeouts++;
      latencies[req.id - scenario.warmupRequests()] = scenario.timeoutNanos();
      ending[req.id - scenario.warmupRequests()] = TIMED_OUT;
    }
  }

  private Result result() {
    long[] sorted = latencies.clone();
    Arrays.sort(sorted);
    double sum = 0;
    for (long l : sorted) {
      sum += l;
    }
    long total = 0;
    for (long p : measuredPicks) {
      total += p;
    }
    ImmutableList.Builder<Double> shares = ImmutableList.builder();
    for (long p : measuredPicks) {
      shares.add(total == 0 ? 0.0 : (double) p / total);
    }
    return new Result(
        scenario.name(),
        policy,
        seed,
        sorted.length,
        successes,
        timeouts,
        errors,
        sum / sorted.length,
        percentile(sorted, 0.50),
        percentile(sorted, 0.99),
        percentile(sorted, 0.999),
        sorted[sorted.length - 1],
        shares.build(),
        timeline(),
        ejections,
        arrived == 0 ? 0 : (double) probes / arrived);
  }

  /**
   * The measured requests in {@link #TIMELINE_SLICES} equal intervals from time 0 to the last
   * arrival, by arrival time (so a slow period shows where it began, not where its requests ended).
   */
  private ImmutableList<Slice> timeline() {
    int n = servers.size();
    long end = arrivals.length == 0 ? 1 : arrivals[arrivals.length - 1] + 1;
    long width = Math.max(1, (end + TIMELINE_SLICES - 1) / TIMELINE_SLICES);
    List<List<Long>> latencyBySlice = new ArrayList<>();
    int[][] counts = new int[TIMELINE_SLICES][4];
    int[][] picks = new int[TIMELINE_SLICES][n];
    for (int i = 0; i < TIMELINE_SLICES; i++) {
      latencyBySlice.add(new ArrayList<>());
    }
    for (int m = 0; m < arrivals.length; m++) {
      int slice = (int) Math.min(TIMELINE_SLICES - 1, arrivals[m] / width);
      counts[slice][ending[m]]++;
      latencyBySlice.get(slice).add(latencies[m]);
      if (serverOf[m] >= 0) {
        picks[slice][serverOf[m]]++;
      }
    }
    ImmutableList.Builder<Slice> out = ImmutableList.builder();
    for (int i = 0; i < TIMELINE_SLICES; i++) {
      long[] sorted = latencyBySlice.get(i).stream().mapToLong(Long::longValue).sorted().toArray();
      int[] c = counts[i];
      ImmutableList.Builder<Integer> perServer = ImmutableList.builder();
      for (int p : picks[i]) {
        perServer.add(p);
      }
      out.add(
          new Slice(
              i * width,
              (i + 1) * width,
              sorted.length,
              c[SUCCEEDED],
              c[TIMED_OUT],
              c[FAILED],
              sorted.length == 0 ? 0 : percentile(sorted, 0.50),
              sorted.length == 0 ? 0 : percentile(sorted, 0.99),
              perServer.build()));
    }
    return out.build();
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private int indexOf(Server server) {
    Integer i = indexById.get(server.id());
    if (i == null) {
      throw new IllegalStateException("not a simulated server: " + server);
    }
    return i;
  }

  private void schedule(long time, int kind, @Nullable Request request, @Nullable Runnable task) {
    if (kind != TASK) {
      live++;
    }
    events.add(new Event(time, nextSeq++, kind, request, task, 0));
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
      return inSystem[indexOf(server)];
    }

    @Override
    public double trueServiceNanos(Server server) {
      int i = indexOf(server);
      long now = clock.read();
      return scenario.serviceTime().meanNanos() * multiplier(i, now) + frozenRemaining(i, now);
    }

    @Override
    public double errorFraction(Server server) {
      ErrorBurst e = errorBurst(indexOf(server), clock.read());
      return e == null ? 0 : e.fraction();
    }

    @Override
    public int reportedQueueLength(Server server) {
      return reported[indexOf(server)];
    }

    @Override
    public int feedbackQueueLength(int client, Server server) {
      return feedback[client][indexOf(server)];
    }

    @Override
    public int nextInt(int bound) {
      return oracleRandom.nextInt(bound);
    }
  }

  private static final class Event {
    final long time;
    final long seq;
    final int kind;
    final @Nullable Request request;
    final @Nullable Runnable task;
    // For a service end: the request's service version it was scheduled for.
    final int version;

    Event(
        long time,
        long seq,
        int kind,
        @Nullable Request request,
        @Nullable Runnable task,
        int version) {
      this.time = time;
      this.seq = seq;
      this.kind = kind;
      this.request = request;
      this.task = task;
      this.version = version;
    }
  }

  private static final class Request {
    final int id;
    final long arrivalNanos;
    final long baseServiceNanos;
    final int server;
    final int client;
    final Pick pick;
    boolean done;
    // How long a stream stays open after its first response; -1 for a request.
    long streamNanos = -1;
    long serviceEndNanos;
    int serviceVersion;
    // The server's requests in flight when it arrived, not counting this one.
    int rifAtArrival;

    Request(int id, long arrivalNanos, long baseServiceNanos, int client, int server, Pick pick) {
      this.client = client;
      this.id = id;
      this.arrivalNanos = arrivalNanos;
      this.baseServiceNanos = baseServiceNanos;
      this.server = server;
      this.pick = pick;
    }
  }
}
