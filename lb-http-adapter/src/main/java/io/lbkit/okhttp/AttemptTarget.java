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
package io.lbkit.okhttp;

import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.Server;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The server one attempt goes to, and that attempt's accounting, reported exactly once.
 *
 * <p>An ordinary attempt is a pick without a handle ({@link LoadBalancer#pickEndpoint(long)}): the
 * endpoint and the pick's start are kept here, in the one object an attempt needs anyway, instead
 * of in a {@link Pick}, so a call allocates one object less. The balancer's path without a handle
 * leaves exactly-once reporting to the caller, so this class owns it: the first {@link #complete}
 * swaps the state word and reports; every later one, on any thread (a second close of the body, the
 * end of the body then a close, a read error then a close), finds it swapped and does nothing. An
 * attempt to a hinted server keeps the {@link Pick} that {@link LoadBalancer#pickServer} returns
 * (which reports once by itself), and one pinned to a server that picks may not choose now is not
 * accounted at all.
 *
 * <p>Latency is the time to the response headers: {@link #responseStarted()} reports it when they
 * arrive, and the attempt then no longer counts as awaiting its first response; it counts as in
 * flight until it completes, when the body has been read or closed. A failure reports the time
 * since the pick.
 */
final class AttemptTarget {
  private static final VarHandle DONE;

  static {
    try {
      DONE = MethodHandles.lookup().findVarHandle(AttemptTarget.class, "done", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * State bits: the outcome was reported; the response start was reported; it is being reported.
   */
  private static final int COMPLETED = 1;

  private static final int STARTED = 2;
  private static final int STARTING = 4;

  final Server server;
  private final @Nullable LoadBalancer balancer;
  private final @Nullable Endpoint endpoint;
  private final long start;
  private final @Nullable Pick pick;

  // COMPLETED | STARTED | STARTING: the exactly-once claims. responseStarted() moves 0 to STARTING
  // by a CAS, reports, then publishes STARTED; complete() sets COMPLETED by a CAS from any state
  // without it, waiting out STARTING (a few hundred nanoseconds of the other thread's report), so
  // that it knows whether the start was reported and takes it back (completeStarted) only after
  // it was counted. Volatile: racing reporters on different threads see each other's claims.
  @SuppressWarnings("UnusedVariable") // accessed through DONE
  private volatile int done;

  private AttemptTarget(
      Server server,
      @Nullable LoadBalancer balancer,
      @Nullable Endpoint endpoint,
      long start,
      @Nullable Pick pick) {
    this.server = server;
    this.balancer = balancer;
    this.endpoint = endpoint;
    this.start = start;
    this.pick = pick;
  }

  /** An attempt picked without a handle, at {@code start}. */
  static AttemptTarget of(LoadBalancer balancer, Endpoint endpoint, long start) {
    return new AttemptTarget(endpoint.server(), balancer, endpoint, start, null);
  }

  /** An attempt with a pick handle (a hinted server). */
  static AttemptTarget of(Pick pick) {
    return new AttemptTarget(pick.server(), null, null, 0, pick);
  }

  /** An attempt that is not accounted: a pin to a server picks may not choose now. */
  static AttemptTarget unaccounted(Server server) {
    return new AttemptTarget(server, null, null, 0, null);
  }

  /** The endpoint of an attempt picked without a handle; null for a hinted or pinned one. */
  @Nullable Endpoint endpoint() {
    return endpoint;
  }

  /** Whether this attempt is accounted by the balancer at all. */
  boolean isAccounted() {
    return endpoint != null || pick != null;
  }

  /** The response headers arrived: the latency sample is the time to them. */
  void responseStarted() {
    Pick p = pick;
    if (p != null) {
      p.responseStarted();
      return;
    }
    LoadBalancer lb = balancer;
    Endpoint e = endpoint;
    if (lb == null || e == null || !DONE.compareAndSet(this, 0, STARTING)) {
      return;
    }
    // The latency sample is taken now, and the attempt stops counting as awaiting its first
    // response (least response time's load) while it stays in flight until complete().
    try {
      lb.responseStarted(e, start);
    } finally {
      // Only this thread leaves STARTING.
      DONE.setVolatile(this, STARTED);
    }
  }

  /**
   * Reports how the attempt ended; only the first call counts.
   *
   * @return whether this call reported
   */
  boolean complete(Outcome outcome) {
    Pick p = pick;
    if (p != null) {
      return p.complete(outcome);
    }
    LoadBalancer lb = balancer;
    Endpoint e = endpoint;
    if (lb == null || e == null) {
      return false;
    }
    for (; ; ) {
      int state = (int) DONE.getVolatile(this);
      if ((state & COMPLETED) != 0) {
        return false;
      }
      if (state == STARTING) {
        Thread.onSpinWait();
        continue;
      }
      if (DONE.compareAndSet(this, state, state | COMPLETED)) {
        if ((state & STARTED) != 0) {
          lb.completeStarted(e, start, outcome);
        } else {
          lb.complete(e, start, outcome);
        }
        return true;
      }
    }
  }
}
