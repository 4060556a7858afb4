package io.lbkit.benchmarks.sim;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.Server;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The discrete-event simulation of one policy on one scenario. Time is simulated: one priority
 * queue of events (arrival, service end, deadline) ordered by time and then by creation order, one
 * thread, no sleeping. Each client's balancer is a real {@link LoadBalancer} with the simulation
 * clock as its ticker; a request calls {@link LoadBalancer#pick()} at its arrival and {@link
 * Pick#complete(Outcome)} at its service end ({@link Outcome#SUCCESS}) or at its deadline ({@link
 * Outcome#TIMEOUT}), whichever comes first, so the balancer measures latency on simulated time.
 *
 * <p>Servers are FIFO queues with a number of parallel slots. A timed-out request stays at its
 * server and is served anyway (the server does not know that the client gave up), as with real
 * servers without deadline propagation.
 *
 * <p>Random streams (arrivals, service times, client choice, oracle ties) are split from the seed,
 * so arrivals and base service times do not depend on the policy. The lbkit selectors draw their
 * own randomness from {@code ThreadLocalRandom}, which cannot be seeded: runs of the randomised
 * selectors (and of round robin, which starts at a random position) are reproducible only in
 * distribution; runs of {@code jsq_oracle} are identical for identical seeds.
 *
 * <p>Not simulated yet: outlier detection, slow start and active health checks (the balancers are
 * built without them, because their time-based transitions need the balancer's scheduler, which
 * runs on real time), server failures, network delay.
 */
public final class Simulation {
  private static final int ARRIVAL = 0;
  private static final int SERVICE_END = 1;
  private static final int DEADLINE = 2;

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

  private final SplittableRandom arrivalRandom;
  private final SplittableRandom serviceRandom;
  private final SplittableRandom clientRandom;
  private final SplittableRandom oracleRandom;

  private final ImmutableList<Server> servers;
  private final Map<String, Integer> indexById = new HashMap<>();
  private final int[] inSystem;
  private final int[] busy;
  private final List<ArrayDeque<Request>> waiting = new ArrayList<>();
  private final List<LoadBalancer> balancers = new ArrayList<>();

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

  private Simulation(Scenario scenario, String policy, long seed) {
    this.scenario = scenario;
    this.policy = policy;
    this.seed = seed;
    SplittableRandom master = new SplittableRandom(seed);
    this.arrivalRandom = master.split();
    this.serviceRandom = master.split();
    this.clientRandom = master.split();
    this.oracleRandom = master.split();
    int n = scenario.servers();
    ImmutableList.Builder<Server> list = ImmutableList.builder();
    for (int i = 0; i < n; i++) {
      Server s = Server.of("s" + i, 80);
      list.add(s);
      indexById.put(s.id(), i);
      waiting.add(new ArrayDeque<>());
    }
    this.servers = list.build();
    this.inSystem = new int[n];
    this.busy = new int[n];
    int measured = scenario.requests() - scenario.warmupRequests();
    this.latencies = new long[measured];
    this.arrivals = new long[measured];
    this.serverOf = new int[measured];
    this.ending = new byte[measured];
    this.measuredPicks = new long[n];
    QueueView view =
        new QueueView() {
          @Override
          public int queueLength(Server server) {
            return inSystem[indexOf(server)];
          }

          @Override
          public int nextInt(int bound) {
            return oracleRandom.nextInt(bound);
          }
        };
    for (int c = 0; c < scenario.clients(); c++) {
      balancers.add(
          LoadBalancer.builder()
              .name("client-" + c)
              .selector(Policies.create(policy, view))
              .servers(servers)
              .ticker(clock)
              .build());
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
      scheduleNextArrival();
      while (!events.isEmpty()) {
        Event e = events.poll();
        clock.advanceTo(e.time);
        switch (e.kind) {
          case ARRIVAL:
            arrive();
            break;
          case SERVICE_END:
            endService(e.request);
            break;
          case DEADLINE:
            deadline(e.request);
            break;
          default:
            throw new AssertionError(e.kind);
        }
      }
      return result();
    } finally {
      for (LoadBalancer b : balancers) {
        b.close();
      }
    }
  }

  private void scheduleNextArrival() {
    double meanGapNanos = 1e9 / scenario.ratePerSecond();
    // Accumulated in double so that rounding each gap to whole nanoseconds adds no drift.
    nextArrivalNanos += -meanGapNanos * Math.log(1.0 - arrivalRandom.nextDouble());
    schedule(Math.round(nextArrivalNanos), ARRIVAL, null);
  }

  private void arrive() {
    long now = clock.read();
    int id = arrived++;
    long baseService = scenario.serviceTime().sampleNanos(serviceRandom);
    int client = scenario.clients() == 1 ? 0 : clientRandom.nextInt(scenario.clients());
    if (arrived < scenario.requests()) {
      scheduleNextArrival();
    }
    int m = id - scenario.warmupRequests();
    if (m >= 0) {
      arrivals[m] = now;
      serverOf[m] = -1;
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
    Request r = new Request(id, now, baseService, server, pick);
    if (m >= 0) {
      measuredPicks[server]++;
      serverOf[m] = server;
    }
    inSystem[server]++;
    if (busy[server] < scenario.concurrency()) {
      startService(r);
    } else {
      waiting.get(server).add(r);
    }
    if (scenario.timeoutNanos() > 0) {
      schedule(now + scenario.timeoutNanos(), DEADLINE, r);
    }
  }

  private void startService(Request r) {
    long now = clock.read();
    busy[r.server]++;
    double multiplier = 1.0;
    for (Slowdown s : scenario.slowdowns()) {
      if (s.covers(r.server, now)) {
        multiplier *= s.multiplier();
      }
    }
    schedule(now + Math.round(r.baseServiceNanos * multiplier), SERVICE_END, r);
  }

  private void endService(@Nullable Request r) {
    Request req = requireRequest(r);
    busy[req.server]--;
    inSystem[req.server]--;
    if (!req.done) {
      req.done = true;
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
        timeline());
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

  private void schedule(long time, int kind, @Nullable Request request) {
    events.add(new Event(time, nextSeq++, kind, request));
  }

  private static Request requireRequest(@Nullable Request r) {
    if (r == null) {
      throw new IllegalStateException("event without a request");
    }
    return r;
  }

  private static final class Event {
    final long time;
    final long seq;
    final int kind;
    final @Nullable Request request;

    Event(long time, long seq, int kind, @Nullable Request request) {
      this.time = time;
      this.seq = seq;
      this.kind = kind;
      this.request = request;
    }
  }

  private static final class Request {
    final int id;
    final long arrivalNanos;
    final long baseServiceNanos;
    final int server;
    final Pick pick;
    boolean done;

    Request(int id, long arrivalNanos, long baseServiceNanos, int server, Pick pick) {
      this.id = id;
      this.arrivalNanos = arrivalNanos;
      this.baseServiceNanos = baseServiceNanos;
      this.server = server;
      this.pick = pick;
    }
  }
}
