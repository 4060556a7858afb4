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
package io.lbkit.core;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The handle of one pick: the chosen {@link Server}, and the place to report how the request ended
 * so that adaptive selectors and health learn from real traffic.
 *
 * <p>Report exactly one outcome. The first report counts and later ones are ignored, so it is safe
 * to report in the normal path and again in a {@code finally} or from a cancellation callback on
 * another thread. {@link #close()} reports {@link Outcome#CANCELLED} if nothing was reported, so a
 * try-with-resources block never leaks the server's in-flight slot:
 *
 * <pre>{@code
 * try (Pick pick = balancer.pick()) {
 *   Response r = send(pick.server(), request);
 *   pick.complete(r.isServerError() ? Outcome.FAILURE : Outcome.SUCCESS);
 *   return r;
 * } catch (ConnectException e) {
 *   // pick.close() would report CANCELLED; say what really happened first:
 *   throw e;
 * }
 * }</pre>
 *
 * <p>A pick that is never completed (the handle was dropped) stops counting towards its server's
 * in-flight load once it is older than twice the balancer's {@linkplain
 * LoadBalancerBuilder#inFlightExpiry in-flight expiry} (on the coarse clock described there);
 * nothing else is held for it.
 *
 * <p>Latency is measured from the pick to the report with the balancer's ticker, unless the caller
 * supplies its own measurement with {@link #complete(Outcome, long)}. For a response that streams
 * (a long body, a server stream), call {@link #responseStarted()} when its headers arrive: the
 * latency is then the time to first response, while the request keeps counting as in flight until
 * its outcome is reported. Least response time counts only the requests still awaiting their first
 * response as load, so a server holding long streams keeps its share of new requests.
 *
 * <p>Each pick allocates this one small handle (32 bytes on a 64-bit JVM with compressed
 * references). Reporting exactly once from any thread needs an atomic operation on the handle (one
 * swap), and that keeps the JIT from scalar-replacing it; a pooled handle would avoid the
 * allocation at the price of use-after-recycle bugs in callers. The selectors themselves allocate
 * nothing, and {@link LoadBalancer#pickEndpoint(long)} with {@link LoadBalancer#complete(Endpoint,
 * long, Outcome)} (or {@link LoadBalancer#responseStarted(Endpoint, long)} and {@link
 * LoadBalancer#completeStarted}) is the path without a handle, for callers that keep per-request
 * state anyway and can own exactly-once reporting.
 *
 * @since 0.1.0
 */
public final class Pick implements AutoCloseable {
  private static final VarHandle DONE;

  static {
    try {
      DONE = MethodHandles.lookup().findVarHandle(Pick.class, "done", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** State bit: an outcome was reported. */
  private static final int COMPLETED = 1;

  /** State bit: the latency sample was taken when the response started. */
  private static final int RESPONSE_STARTED = 2;

  private final Endpoint endpoint;
  // The balancer's accounting, the same as endpoint.accounting, kept here so that completing a pick
  // of a balancer that tracks nothing per server (round robin, weighted round robin) does not read
  // the endpoint at all: at 10,000 servers the endpoints no longer fit in the caches, and the
  // handle
  // (just allocated) always does. It takes the place of the in-flight epoch, which is recomputed
  // from the start when needed (one multiply), so the handle stays 32 bytes.
  private final Accounting accounting;
  private final long startNanos;

  // COMPLETED | RESPONSE_STARTED bits: responseStarted() claims RESPONSE_STARTED by a CAS from 0,
  // complete() swaps in both bits at once (see there). Volatile so that a second reporter on
  // another thread sees the claim and backs off. One word for both so that "response started" and
  // "completed" are ordered: a responseStarted() that loses to complete() finds the word no longer
  // 0 and records nothing, and complete() knows from the swapped-out state whether the sample was
  // already taken.
  @SuppressWarnings("UnusedVariable") // accessed through DONE
  private volatile int done;

  Pick(Endpoint endpoint, Accounting accounting, long startNanos) {
    this.endpoint = endpoint;
    this.accounting = accounting;
    this.startNanos = startNanos;
  }

  /** The server to send the request to. */
  public Server server() {
    return endpoint.server;
  }

  /**
   * The endpoint picked, for the balancer's calls that name one: {@link
   * LoadBalancer#reportLoad(Endpoint, LoadReport)} with the load report that the response carried.
   *
   * @since 0.3.0
   */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Reports {@link Outcome#SUCCESS}. */
  public void success() {
    complete(Outcome.SUCCESS);
  }

  /** Reports {@link Outcome#FAILURE}. */
  public void failure() {
    complete(Outcome.FAILURE);
  }

  /**
   * Reports that the response started (its headers, or its first message, arrived), which takes the
   * latency sample now: the time to first response, not the lifetime of a long stream or of a
   * slowly read body. The request still counts as in flight until the outcome is reported with
   * {@link #complete}, but no longer as awaiting its first response, the load least response time
   * compares. Only the first call counts, and none after an outcome was reported.
   *
   * @return whether this call took the latency sample
   */
  public boolean responseStarted() {
    Accounting accounting = this.accounting;
    return responseStarted(accounting.trackLatency ? accounting.read() - startNanos : 0);
  }

  /**
   * Like {@link #responseStarted()}, with a time to first response the caller measured; a negative
   * latency is taken as zero.
   *
   * @return whether this call took the latency sample
   */
  public boolean responseStarted(long latencyNanos) {
    // Only from the initial state: after an outcome, or a first call, there is nothing to take.
    if ((int) DONE.getVolatile(this) != 0) {
      return false;
    }
    Accounting accounting = this.accounting;
    ServerStats stats = endpoint.stats;
    // The start is counted before the bit that claims it is set, and taken back if the claim
    // fails: complete() takes the start back only after seeing the bit, so its unstart can never
    // run before this start (which would leave a start counted for a pick that has ended, hiding
    // one awaited request until the epoch expires). The epoch is the one complete() computes from
    // the same start time.
    boolean counted = accounting.trackInFlight;
    int epoch = counted ? accounting.epoch(startNanos) : 0;
    if (counted) {
      stats.start(epoch);
    }
    if (!DONE.compareAndSet(this, 0, RESPONSE_STARTED)) {
      // An outcome, or another first call, won the race.
      if (counted) {
        stats.unstart(epoch);
      }
      return false;
    }
    accounting.recordResponseStart(endpoint, startNanos, latencyNanos);
    return true;
  }

  /**
   * Reports how the request ended, with latency measured since the pick. Only the first report of a
   * pick counts. After {@link #responseStarted()}, a success takes no second latency sample.
   *
   * @return whether this call was the first report
   */
  public boolean complete(Outcome outcome) {
    requireNonNull(outcome, "outcome");
    Accounting accounting = this.accounting;
    long latency = accounting.trackLatency ? accounting.read() - startNanos : 0;
    return complete(outcome, latency);
  }

  /**
   * Reports how the request ended with a latency the caller measured. Only the first report of a
   * pick counts; a negative latency is taken as zero. After {@link #responseStarted()}, a success
   * takes no second latency sample; a failure is still recorded as one (it penalises the server's
   * estimate whenever it happens).
   *
   * @return whether this call was the first report
   */
  public boolean complete(Outcome outcome, long latencyNanos) {
    requireNonNull(outcome, "outcome");
    // One atomic swap to the final state, whatever the state was: the states only ever move
    // forward (0, then RESPONSE_STARTED, then both bits; or 0 straight to both bits), so writing
    // the final state again is harmless, and exactly one swap returns a state without COMPLETED.
    // RESPONSE_STARTED is set along with COMPLETED so that a responseStarted() that comes later
    // fails its compare-and-set from 0 and records nothing. A swap is one locked instruction with
    // no read before it and no retry loop, cheaper than a read and a compare-and-set.
    int state = (int) DONE.getAndSet(this, COMPLETED | RESPONSE_STARTED);
    if ((state & COMPLETED) != 0) {
      return false;
    }
    Accounting accounting = this.accounting;
    accounting.record(
        endpoint,
        startNanos,
        accounting.trackInFlight ? accounting.epoch(startNanos) : 0,
        outcome,
        latencyNanos,
        (state & RESPONSE_STARTED) != 0);
    return true;
  }

  /** Whether an outcome has been reported. */
  public boolean isCompleted() {
    return ((int) DONE.getVolatile(this) & COMPLETED) != 0;
  }

  /** Reports {@link Outcome#CANCELLED} unless an outcome was already reported. */
  @Override
  public void close() {
    complete(Outcome.CANCELLED, 0);
  }

  @Override
  public String toString() {
    return "Pick{" + endpoint.server.id() + (isCompleted() ? ", completed}" : "}");
  }
}
