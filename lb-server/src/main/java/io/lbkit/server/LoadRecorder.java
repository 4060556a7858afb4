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
package io.lbkit.server;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts one server's requests in flight (RIF) and records each request's latency together with the
 * RIF it found on arrival, so that {@link #report()} can answer what Prequal's probes ask: the
 * current RIF and the median recent latency at about that RIF; plus ORCA's requests and errors per
 * second, CPU and heap utilization.
 *
 * <p>One recorder per server process (or per served port), shared by the gRPC interceptor, the
 * probe service and the HTTP filter. Thread-safe and lock-free: a request costs two atomic
 * increments of the RIF counter and one of its RIF level's sample cursor (see {@code
 * LatencyByRif}); completions are counted in {@link LongAdder}s.
 *
 * <pre>{@code
 * LoadRecorder recorder = LoadRecorder.create();
 * LoadRecorder.Request request = recorder.start();
 * try {
 *   handle();
 * } finally {
 *   request.finish(false);
 * }
 * }</pre>
 */
public final class LoadRecorder {
  /**
   * How long a latency sample counts as recent by default: one second, as long as a probing client
   * keeps a probe's answer (Prequal's pool age); an older sample describes a server that may have
   * changed since.
   */
  public static final Duration DEFAULT_SAMPLE_MAX_AGE = Duration.ofSeconds(1);

  private static final long RATE_WINDOW_NANOS = 1_000_000_000L;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final LatencyByRif latencies;
  private final LongAdder completed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final AtomicReference<Rates> rates;
  private final LongSupplier ticker;

  private LoadRecorder(Duration sampleMaxAge, LongSupplier ticker) {
    Objects.requireNonNull(sampleMaxAge, "sampleMaxAge");
    if (sampleMaxAge.isNegative() || sampleMaxAge.isZero()) {
      throw new IllegalArgumentException("sampleMaxAge must be positive: " + sampleMaxAge);
    }
    if (sampleMaxAge.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("sampleMaxAge must be at most 1 day: " + sampleMaxAge);
    }
    this.ticker = ticker;
    long now = ticker.getAsLong();
    this.latencies = new LatencyByRif(now, sampleMaxAge.toMillis());
    this.rates = new AtomicReference<>(new Rates(now, 0, 0, 0, 0, 0, 0));
  }

  /**
   * A recorder that counts latency samples of the last {@link #DEFAULT_SAMPLE_MAX_AGE} as recent.
   */
  public static LoadRecorder create() {
    return new LoadRecorder(DEFAULT_SAMPLE_MAX_AGE, System::nanoTime);
  }

  /**
   * A recorder that counts latency samples of the last {@code sampleMaxAge} as recent.
   *
   * @throws IllegalArgumentException if {@code sampleMaxAge} is not positive or above one day
   */
  public static LoadRecorder create(Duration sampleMaxAge) {
    return new LoadRecorder(sampleMaxAge, System::nanoTime);
  }

  /** For tests: a recorder on a given clock (nanoseconds). */
  static LoadRecorder create(Duration sampleMaxAge, LongSupplier ticker) {
    return new LoadRecorder(sampleMaxAge, ticker);
  }

  /**
   * Counts a request as in flight from now until {@link Request#finish} is called on the result.
   */
  public Request start() {
    int arrivalRif = inFlight.getAndIncrement();
    return new Request(this, arrivalRif, ticker.getAsLong());
  }

  /** The requests in flight now. */
  public int requestsInFlight() {
    return inFlight.get();
  }

  /**
   * The load now: the RIF, the median recent latency at about this RIF (absent when no request
   * finished within the sample age), requests and errors per second over about the last second, and
   * the process's CPU and heap utilization.
   */
  public ServerLoad report() {
    long now = ticker.getAsLong();
    int rif = inFlight.get();
    ServerLoad.Builder b = ServerLoad.builder().requestsInFlight(rif);
    long latency = latencies.medianNanos(rif, now);
    if (latency >= 0) {
      b.latencyNanos(latency);
    }
    Rates r = currentRates(now);
    return b.rps(r.rps).eps(r.eps).cpuUtilization(r.cpu).memUtilization(r.mem).build();
  }

  private Rates currentRates(long now) {
    Rates r = Objects.requireNonNull(rates.get()); // never null: set in the constructor
    if (now - r.atNanos < RATE_WINDOW_NANOS) {
      return r;
    }
    long done = completed.sum();
    long bad = failed.sum();
    double seconds = (now - r.atNanos) / 1e9;
    Rates next =
        new Rates(
            now,
            done,
            bad,
            Math.max(0, (done - r.completed) / seconds),
            Math.max(0, (bad - r.failed) / seconds),
            processCpu(),
            heapUsed());
    // One reporter per window publishes; a loser of the race answers its own, equally fresh rates.
    rates.compareAndSet(r, next);
    return next;
  }

  private void finish(int arrivalRif, long startNanos, boolean failure) {
    long now = ticker.getAsLong();
    latencies.record(arrivalRif, now - startNanos, now);
    completed.increment();
    if (failure) {
      failed.increment();
    }
    inFlight.decrementAndGet();
  }

  private static double processCpu() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      double load = sun.getProcessCpuLoad();
      return load >= 0 && load <= 1 ? load : 0;
    }
    return 0;
  }

  private static double heapUsed() {
    Runtime rt = Runtime.getRuntime();
    long max = rt.maxMemory();
    if (max <= 0 || max == Long.MAX_VALUE) {
      return 0;
    }
    return Math.min(1, Math.max(0, (rt.totalMemory() - rt.freeMemory()) / (double) max));
  }

  /** Rates over the last window, and the counts they were computed from. */
  private static final class Rates {
    final long atNanos;
    final long completed;
    final long failed;
    final double rps;
    final double eps;
    final double cpu;
    final double mem;

    Rates(
        long atNanos, long completed, long failed, double rps, double eps, double cpu, double mem) {
      this.atNanos = atNanos;
      this.completed = completed;
      this.failed = failed;
      this.rps = rps;
      this.eps = eps;
      this.cpu = cpu;
      this.mem = mem;
    }
  }

  /** One request in flight. {@link #finish} counts it out exactly once. */
  public static final class Request {
    private static final AtomicIntegerFieldUpdater<Request> FINISHED =
        AtomicIntegerFieldUpdater.newUpdater(Request.class, "finished");

    private final LoadRecorder recorder;
    private final int arrivalRif;
    private final long startNanos;

    @SuppressWarnings("UnusedVariable") // read and written through FINISHED
    private volatile int finished;

    private Request(LoadRecorder recorder, int arrivalRif, long startNanos) {
      this.recorder = recorder;
      this.arrivalRif = arrivalRif;
      this.startNanos = startNanos;
    }

    /** The requests that were in flight when this one arrived (not counting itself). */
    public int arrivalRif() {
      return arrivalRif;
    }

    /**
     * Counts the request out and records its latency; only the first call counts, so a completion
     * and a cancellation racing each other count once.
     *
     * @param failure whether it failed (counted in the errors per second)
     */
    public void finish(boolean failure) {
      if (FINISHED.compareAndSet(this, 0, 1)) {
        recorder.finish(arrivalRif, startNanos, failure);
      }
    }
  }
}
