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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one run measures, request by request, and the {@link Result} made of it. Requests are named
 * by their arrival order; the first {@link Scenario#warmupRequests()} are not measured, so every
 * method here ignores them.
 */
final class Measurements {
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
  private final int warmup;
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

  Measurements(Scenario scenario, String policy, long seed) {
    this.scenario = scenario;
    this.policy = policy;
    this.seed = seed;
    this.warmup = scenario.warmupRequests();
    int measured = scenario.requests() - warmup;
    this.latencies = new long[measured];
    this.arrivals = new long[measured];
    this.serverOf = new int[measured];
    this.ending = new byte[measured];
    this.measuredPicks = new long[scenario.servers()];
  }

  /** Request {@code id} arrived at {@code now}, not yet at any server, not yet ended. */
  void arrived(int id, long now) {
    int m = id - warmup;
    if (m >= 0) {
      arrivals[m] = now;
      serverOf[m] = -1;
      ending[m] = PENDING;
    }
  }

  /** Request {@code id} found no server to pick: an error without latency. */
  void noServer(int id) {
    int m = id - warmup;
    if (m >= 0) {
      errors++;
      latencies[m] = 0;
      ending[m] = FAILED;
    }
  }

  /** Request {@code id} went to {@code server}. */
  void picked(int id, int server) {
    int m = id - warmup;
    if (m >= 0) {
      measuredPicks[server]++;
      serverOf[m] = server;
    }
  }

  /** Request {@code id} succeeded after {@code latencyNanos}. */
  void succeeded(int id, long latencyNanos) {
    int m = id - warmup;
    if (m >= 0) {
      successes++;
      latencies[m] = latencyNanos;
      ending[m] = SUCCEEDED;
    }
  }

  /** Request {@code id} was answered with an error after {@code latencyNanos}. */
  void failed(int id, long latencyNanos) {
    int m = id - warmup;
    if (m >= 0) {
      errors++;
      latencies[m] = latencyNanos;
      ending[m] = FAILED;
    }
  }

  /** Request {@code id} reached its deadline, which counts as its latency. */
  void timedOut(int id) {
    int m = id - warmup;
    if (m >= 0) {
      timeouts++;
      latencies[m] = scenario.timeoutNanos();
      ending[m] = TIMED_OUT;
    }
  }

  /** A balancer ejected a server. */
  void ejected() {
    ejections++;
  }

  /** A client sent a probe. */
  void probed() {
    probes++;
  }

  /** The run's result, once its events have run out, after {@code arrived} arrivals. */
  Result result(int arrived) {
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
    int n = measuredPicks.length;
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
}
