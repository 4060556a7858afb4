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
 * <p>Latency is the time to the response headers: {@link #responseStarted()} measures it, and a
 * success reports it when the attempt completes, which is when the body has been read or closed, so
 * that the request counts as in flight until then. A failure reports the time since the pick.
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

  /** No latency measured yet. */
  private static final long NO_LATENCY = -1;

  final Server server;
  private final @Nullable LoadBalancer balancer;
  private final @Nullable Endpoint endpoint;
  private final long start;
  private final @Nullable Pick pick;

  // The time from the pick to the response headers, NO_LATENCY before they arrived. Written once by
  // the call's thread; volatile because the attempt may complete on another thread (the one that
  // reads or closes the body), which must see it without relying on how the caller handed the body
  // over.
  private volatile long headersLatency = NO_LATENCY;

  // 0 until the attempt completed, then 1: the exactly-once claim. Volatile and swapped atomically
  // (getAndSet) so that of racing reporters exactly one sees 0; nothing else is published by it
  // (the balancer's own accounting orders its statistics).
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
    if (lb != null && headersLatency == NO_LATENCY) {
      // pickStart() is a reading of the balancer's clock: its ticker whenever the balancer times
      // picks, which is the only case in which it records this latency at all.
      headersLatency = Math.max(0, lb.pickStart() - start);
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
    if (lb == null || e == null || (int) DONE.getAndSet(this, 1) != 0) {
      return false;
    }
    long latency = headersLatency;
    if (latency != NO_LATENCY && !outcome.isFailure()) {
      lb.complete(e, start, outcome, latency);
    } else {
      lb.complete(e, start, outcome);
    }
    return true;
  }
}
