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

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * The simulated servers, by index: FIFO queues with the scenario's number of parallel slots, whose
 * speed follows the scenario's slow periods, fluctuations, freezes and slow replies. A timed-out
 * request stays at its server and is served anyway (the server does not know that the client gave
 * up), as with real servers without deadline propagation. A request's service time is drawn at its
 * arrival and scaled by its server's slowdown when its service starts; a fluctuation changes the
 * speed of the work in progress too (see {@link Fluctuation}); a freeze pauses the server's work
 * (see {@link Freeze}); a slow reply takes its given time instead of the drawn one (see {@link
 * SlowReplies}).
 *
 * <p>Each server also keeps what it reports to probes, as Prequal's servers and lbkit's {@code
 * LoadRecorder} do: its requests in flight and its latest latencies per level of requests in flight
 * at arrival ({@link #medianLatency}); a probe costs it {@link #PROBE_WORK_NANOS} of work.
 */
final class ServerQueues {
  /** The server work one probe costs (reading two counters and answering). */
  static final long PROBE_WORK_NANOS = 20_000;

  /** How many latest latencies a server keeps per level of requests in flight. */
  static final int SERVER_LATENCY_WINDOW = 8;

  /** How long a server's latency sample counts as recent. */
  static final long SERVER_LATENCY_MAX_AGE_NANOS = 500_000_000L;

  /** The levels of requests in flight a server keeps latencies for (the last holds all above). */
  static final int SERVER_RIF_LEVELS = 64;

  private final Scenario scenario;
  private final SimClock clock;
  private final PendingEvents events;
  private final SplittableRandom fluctuationRandom;

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
  // Per entry of the scenario's slow replies: how many of them are still to come.
  private final int[] slowRepliesLeft;
  // Per server and level of requests in flight at arrival: the latest latencies (queueing and
  // service), a ring, for its load reports.
  private final long[][][] serverLatencies;
  private final long[][][] serverLatencyTimes;
  private final int[][] serverLatencyCount;

  ServerQueues(
      Scenario scenario, SimClock clock, PendingEvents events, SplittableRandom fluctuationRandom) {
    this.scenario = scenario;
    this.clock = clock;
    this.events = events;
    this.fluctuationRandom = fluctuationRandom;
    int n = scenario.servers();
    for (int i = 0; i < n; i++) {
      waiting.add(new ArrayDeque<>());
      inService.add(new ArrayList<>());
      freezesByServer.add(new ArrayList<>());
    }
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
    this.serverLatencies = new long[n][SERVER_RIF_LEVELS][SERVER_LATENCY_WINDOW];
    this.serverLatencyTimes = new long[n][SERVER_RIF_LEVELS][SERVER_LATENCY_WINDOW];
    this.serverLatencyCount = new int[n][SERVER_RIF_LEVELS];
    this.slowRepliesLeft = new int[scenario.slowReplies().size()];
    for (int i = 0; i < slowRepliesLeft.length; i++) {
      slowRepliesLeft[i] = scenario.slowReplies().get(i).count();
    }
  }

  /** Requests at the server (waiting plus in service, streams to their first response) now. */
  int inSystem(int server) {
    return inSystem[server];
  }

  /** The queue length the server last reported (see {@link #report()}). */
  int reported(int server) {
    return reported[server];
  }

  /** Every server reports its queue length now. */
  void report() {
    System.arraycopy(inSystem, 0, reported, 0, inSystem.length);
  }

  /** The queue length the server sent back with its last response to the client (0 before). */
  int feedback(int client, int server) {
    return feedback[client][server];
  }

  /** The server answers the client: its answer carries its queue length now. */
  void answer(int client, int server) {
    feedback[client][server] = inSystem[server];
  }

  /** The request (or stream) joins its server: served now if a slot is free, queued otherwise. */
  void admit(Request r) {
    inSystem[r.server]++;
    if (busy[r.server] < scenario.concurrency()) {
      startService(r);
    } else {
      waiting.get(r.server).add(r);
    }
  }

  /**
   * The request's service has ended: it leaves its slot, and a request's latency (queueing and
   * service) is filed under the requests in flight it found at its arrival. The caller starts the
   * next waiting request with {@link #startNext} once it has dealt with the reply.
   */
  void finish(Request req) {
    inService.get(req.server).remove(req);
    busy[req.server]--;
    inSystem[req.server]--;
    if (req.streamNanos < 0) {
      int level = Math.min(req.rifAtArrival, SERVER_RIF_LEVELS - 1);
      int slot = serverLatencyCount[req.server][level]++ % SERVER_LATENCY_WINDOW;
      serverLatencies[req.server][level][slot] = clock.read() - req.arrivalNanos;
      serverLatencyTimes[req.server][level][slot] = clock.read();
    }
  }

  /** Starts the service of the server's first waiting request, if any. */
  void startNext(int server) {
    Request next = waiting.get(server).poll();
    if (next != null) {
      startService(next);
    }
  }

  /** The error burst the server is in now, if any. */
  @Nullable ErrorBurst errorBurst(int server, long now) {
    for (ErrorBurst e : scenario.errorBursts()) {
      if (e.covers(server, now)) {
        return e;
      }
    }
    return null;
  }

  /** The server's current service-time factor: its slow periods times its fluctuations. */
  double multiplier(int server, long now) {
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
    events.scheduleServiceEnd(r);
  }

  /**
   * A fresh random slow set of the scenario's fluctuation of this index: a partial Fisher-Yates
   * shuffle.
   */
  void drawSlowSet(int fluctuation) {
    Fluctuation f = scenario.fluctuations().get(fluctuation);
    double[] factor = fluctuationFactor[fluctuation];
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
        events.scheduleServiceEnd(r);
      }
    }
  }

  /**
   * Prequal's server-side latency: the median of the server's latest latencies of requests that
   * arrived at this level of requests in flight in the last {@link #SERVER_LATENCY_MAX_AGE_NANOS},
   * or at the nearest level with any (the lower one first); 0 without any recent one.
   */
  long medianLatency(int server, int rif) {
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
  void probeWork(int server) {
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
      events.scheduleServiceEnd(first);
    }
  }

  /** What remains of a freeze the server is in now, or 0. */
  long frozenRemaining(int server, long now) {
    for (Freeze f : freezesByServer.get(server)) {
      if (now >= f.fromNanos() && now < f.toNanos()) {
        return f.toNanos() - now;
      }
    }
    return 0;
  }
}
