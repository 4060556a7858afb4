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

import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The pick path of one balancer: choosing an endpoint from a published {@link Snapshot}, counting
 * it in flight, and recording how it ended, with a {@link Pick} handle or without one (an endpoint
 * and a start time). The facade ({@link LoadBalancer}) picks from the latest snapshot, a {@link
 * BalancerSnapshot} from its own; both call this class, which knows nothing of either.
 *
 * <p>Lock-free and, without a handle, allocation-free: a pick reads the snapshot it is given (the
 * caller's one volatile read), asks its picker, and at most counts the request in flight on the
 * endpoint's statistics (one CAS, two with a balancer-wide total). Its fields are final and set
 * before the balancer is published, so no pick needs any other ordering.
 */
final class PickPath {
  private final String name;
  private final Accounting accounting;
  private final RandomGenerator random;

  PickPath(String name, Accounting accounting, RandomGenerator random) {
    this.name = name;
    this.accounting = accounting;
    this.random = random;
  }

  /** The balancer's name, for messages. */
  String name() {
    return name;
  }

  /** The start time of a pick: see {@link LoadBalancer#pickStart()}. */
  long start() {
    return accounting.pickTime();
  }

  /** A pick from {@code s} with a handle. */
  Pick pick(Snapshot s) {
    long now = accounting.pickTime();
    return handle(pickEndpoint(s, now), now);
  }

  /** A pick from {@code s} with a handle, for a request with this context. */
  Pick pick(Snapshot s, PickContext context) {
    long now = accounting.pickTime();
    return handle(pickEndpoint(s, now, context), now);
  }

  /** A pick of exactly this server from {@code s}, or null if picks may not choose it now. */
  @Nullable Pick pickServer(Snapshot s, String serverId) {
    Endpoint endpoint = s.endpoint(serverId);
    if (endpoint == null) {
      return null;
    }
    long now = accounting.pickTime();
    acquire(endpoint, now);
    return handle(endpoint, now);
  }

  private Pick handle(Endpoint endpoint, long now) {
    return new Pick(endpoint, accounting, now);
  }

  /** Picks from {@code s} at {@code start} and counts the pick in flight. */
  Endpoint pickEndpoint(Snapshot s, long start) {
    Selector.Picker picker = s.picker;
    if (picker == null) {
      throw noServer(s.noServer(name));
    }
    Endpoint e;
    try {
      e = picker.pick(start);
    } catch (NoAvailableServerException failed) {
      throw noServer(failed); // a routing selector's (a subset rule that matches nothing)
    }
    acquire(e, start);
    return e;
  }

  /** Picks from {@code s} at {@code start} for a request with this context, counted in flight. */
  Endpoint pickEndpoint(Snapshot s, long start, PickContext context) {
    requireNonNull(context, "context");
    Selector.Picker picker = s.picker;
    if (picker == null) {
      throw noServer(s.noServer(name));
    }
    Endpoint e;
    try {
      e =
          context.hasExclusions()
              ? s.pickExcluding(picker, context, start, accounting, random, name)
              : picker.pick(context, start);
    } catch (NoAvailableServerException failed) {
      throw noServer(failed);
    }
    acquire(e, start);
    return e;
  }

  /** Tells the observers, if any, of a pick that found no server; returns the exception. */
  private NoAvailableServerException noServer(NoAvailableServerException e) {
    ObserverChain chain = accounting.observers();
    return chain == null ? e : chain.noServer(e);
  }

  /** Counts a pick made at {@code now} in flight, if the balancer counts them. */
  private void acquire(Endpoint endpoint, long now) {
    Accounting rec = accounting;
    if (!rec.trackInFlight) {
      return;
    }
    int epoch = rec.epoch(now);
    ServerStats stats = endpoint.stats;
    stats.acquire(epoch);
    ServerStats total = endpoint.total;
    if (total != null) {
      total.acquire(epoch);
    }
    rec.countPick(stats);
  }

  /** See {@link LoadBalancer#complete(Endpoint, long, Outcome)}. */
  void complete(Endpoint endpoint, long start, Outcome outcome) {
    requireNonNull(endpoint, "endpoint");
    Accounting rec = accounting;
    complete(endpoint, start, outcome, rec.trackLatency ? rec.read() - start : 0);
  }

  /** See {@link LoadBalancer#complete(Endpoint, long, Outcome, long)}. */
  void complete(Endpoint endpoint, long start, Outcome outcome, long latencyNanos) {
    requireNonNull(outcome, "outcome");
    if (!accounting.recordsOutcomes()) {
      // Nothing to record (a selector that tracks nothing, no outlier detection, no observers):
      // the endpoint is not even read, so that at 10,000 servers a completion does not miss the
      // caches on an endpoint the pick never touched; a foreign endpoint then changes nothing.
      requireNonNull(endpoint, "endpoint");
      return;
    }
    Accounting rec = checkOwn(endpoint);
    rec.record(
        endpoint, start, rec.trackInFlight ? rec.epoch(start) : 0, outcome, latencyNanos, false);
  }

  /** See {@link LoadBalancer#responseStarted(Endpoint, long)}. */
  void responseStarted(Endpoint endpoint, long start) {
    Accounting rec = checkOwn(endpoint);
    if (rec.trackInFlight) {
      endpoint.stats.start(rec.epoch(start));
    }
    rec.recordResponseStart(endpoint, start, rec.trackLatency ? rec.read() - start : 0);
  }

  /** See {@link LoadBalancer#completeStarted(Endpoint, long, Outcome)}. */
  void completeStarted(Endpoint endpoint, long start, Outcome outcome) {
    requireNonNull(outcome, "outcome");
    Accounting rec = checkOwn(endpoint);
    long latency = rec.trackLatency && outcome.isFailure() ? rec.read() - start : 0;
    rec.record(endpoint, start, rec.trackInFlight ? rec.epoch(start) : 0, outcome, latency, true);
  }

  /** This balancer's accounting, if the endpoint is one of this balancer's. */
  private Accounting checkOwn(Endpoint endpoint) {
    requireNonNull(endpoint, "endpoint");
    Accounting rec = accounting;
    if (endpoint.accounting != rec) {
      throw new IllegalArgumentException(endpoint + " was not picked by " + name);
    }
    return rec;
  }
}
