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

import com.google.common.collect.ImmutableList;

/**
 * One published state of a {@link LoadBalancer}, for adapters that keep a picker of their own per
 * state (gRPC's {@code SubchannelPicker}): the endpoints picks may choose, and picks from exactly
 * this state. Immutable; handed to a {@link SnapshotListener} after each publish, or read with
 * {@link LoadBalancer#snapshot()}.
 *
 * <p>A pick from a snapshot is the allocation-free pick of {@link LoadBalancer#pickEndpoint(long)}
 * made against this state rather than the latest one: start it with {@link
 * LoadBalancer#pickStart()}, and report it exactly once with {@link LoadBalancer#complete(Endpoint,
 * long, Outcome)}. An adapter that maps endpoints to its own connections when it receives a
 * snapshot thus never sees an endpoint it has not mapped.
 *
 * @since 0.2.0
 */
public final class BalancerSnapshot {
  // Only handed out by balancer(): picks go through the pick path, never back through the facade.
  private final LoadBalancer balancer;
  private final PickPath pickPath;
  private final Snapshot snapshot;

  BalancerSnapshot(LoadBalancer balancer, PickPath pickPath, Snapshot snapshot) {
    this.balancer = balancer;
    this.pickPath = pickPath;
    this.snapshot = snapshot;
  }

  /** The balancer this state belongs to. */
  public LoadBalancer balancer() {
    return balancer;
  }

  /**
   * The endpoints picks choose from in this state: the eligible servers, or in panic mode every
   * server not taken out. Empty when a pick would fail.
   */
  public ImmutableList<Endpoint> endpoints() {
    return snapshot.endpoints;
  }

  /** Every server of the balancer in this state, eligible or not, in the order they were added. */
  public ImmutableList<Server> servers() {
    ImmutableList.Builder<Server> out = ImmutableList.builder();
    for (Member m : snapshot.members.values()) {
      out.add(m.server);
    }
    return out.build();
  }

  /** Whether the balancer was in panic mode in this state. */
  public boolean isPanicMode() {
    return snapshot.panic;
  }

  /**
   * Picks from this state and counts the pick in flight, as {@link LoadBalancer#pickEndpoint(long)}
   * does from the latest one. Lock-free and allocation-free.
   *
   * @param start the value {@link LoadBalancer#pickStart()} returned for this request
   * @throws NoAvailableServerException if this state has no endpoint, saying why
   */
  public Endpoint pickEndpoint(long start) {
    return pickPath.pickEndpoint(snapshot, start);
  }

  /**
   * Like {@link #pickEndpoint(long)} for a request with this context; see {@link
   * LoadBalancer#pick(PickContext)} for what the context does.
   *
   * @throws NoAvailableServerException as for {@link LoadBalancer#pick(PickContext)}
   */
  public Endpoint pickEndpoint(long start, PickContext context) {
    return pickPath.pickEndpoint(snapshot, start, requireNonNull(context, "context"));
  }

  @Override
  public String toString() {
    return "BalancerSnapshot{"
        + pickPath.name()
        + ", "
        + snapshot.eligibleCount
        + "/"
        + snapshot.members.size()
        + " eligible"
        + (snapshot.panic ? ", PANIC" : "")
        + "}";
  }
}
