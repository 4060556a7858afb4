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
import com.google.common.collect.ImmutableMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Everything a {@link Selector} may build one picker from ({@link
 * Selector#newPicker(PickerInputs)}): the endpoints picks may choose, the full membership they were
 * chosen from, the balancer-wide in-flight total, the random source, and the balancer's {@linkplain
 * #state state store} for what outlives one snapshot. Immutable apart from the state store and the
 * live in-flight total.
 *
 * <p>A routing decorator (zones, subsets) hands its base selector a {@linkplain #part part} of
 * these inputs: the endpoints, the membership and the state of one zone or one subset, so that the
 * base sees that part as if it were a whole balancer.
 *
 * @since 0.2.0
 */
public final class PickerInputs {
  private final ImmutableList<Endpoint> endpoints;
  private final ImmutableList<Server> servers;
  private final ImmutableMap<String, HealthState> health;
  private final RandomGenerator random;
  private final ConcurrentHashMap<Object, Object> store;
  private final Object scope;
  // The balancer-wide counter, for the whole balancer; null for a part or when nobody asked.
  private final @Nullable ServerStats total;
  private final boolean whole;
  private final ProbeLink probes;

  private PickerInputs(
      ImmutableList<Endpoint> endpoints,
      ImmutableList<Server> servers,
      ImmutableMap<String, HealthState> health,
      RandomGenerator random,
      ConcurrentHashMap<Object, Object> store,
      Object scope,
      @Nullable ServerStats total,
      boolean whole,
      ProbeLink probes) {
    this.endpoints = endpoints;
    this.servers = servers;
    this.health = health;
    this.random = random;
    this.store = store;
    this.scope = scope;
    this.total = total;
    this.whole = whole;
    this.probes = probes;
  }

  /** The inputs of one whole snapshot of a balancer. */
  static PickerInputs of(
      ImmutableList<Endpoint> endpoints,
      ImmutableMap<String, Member> members,
      RandomGenerator random,
      ConcurrentHashMap<Object, Object> store,
      @Nullable ServerStats total,
      ProbeLink probes) {
    ImmutableList.Builder<Server> servers = ImmutableList.builderWithExpectedSize(members.size());
    ImmutableMap.Builder<String, HealthState> health =
        ImmutableMap.builderWithExpectedSize(members.size());
    for (Member m : members.values()) {
      servers.add(m.server);
      health.put(m.server.id(), m.state());
    }
    return new PickerInputs(
        endpoints,
        servers.build(),
        health.buildOrThrow(),
        random,
        store,
        ROOT,
        total,
        true,
        probes);
  }

  /**
   * Inputs for a picker built outside a balancer (by the deprecated {@code newPicker} methods, or a
   * caller's own code): the membership is the endpoints' servers, all healthy, and the state lives
   * in {@code store}.
   */
  static PickerInputs standalone(
      ImmutableList<Endpoint> endpoints,
      RandomGenerator random,
      ConcurrentHashMap<Object, Object> store) {
    ImmutableList.Builder<Server> servers = ImmutableList.builderWithExpectedSize(endpoints.size());
    ImmutableMap.Builder<String, HealthState> health =
        ImmutableMap.builderWithExpectedSize(endpoints.size());
    for (Endpoint e : endpoints) {
      servers.add(e.server);
      health.put(e.server.id(), HealthState.HEALTHY);
    }
    return new PickerInputs(
        endpoints,
        servers.build(),
        health.buildKeepingLast(),
        random,
        store,
        ROOT,
        null,
        false,
        new ProbeLink(null));
  }

  private static final Object ROOT = ImmutableList.of();

  /**
   * The endpoints the picker must choose from: never empty; the eligible servers, or in panic mode
   * every server the application has not taken out.
   */
  public ImmutableList<Endpoint> endpoints() {
    return endpoints;
  }

  /**
   * Every server of the balancer (or of this part), eligible or not, in the order they were added:
   * what a selector needs to know a group's full capacity, such as a zone's total weight while some
   * of its servers are down.
   */
  public ImmutableList<Server> servers() {
    return servers;
  }

  /**
   * The health of a server of {@link #servers()} in this snapshot.
   *
   * @throws IllegalArgumentException naming the id if it is not one of {@link #servers()}
   */
  public HealthState health(String serverId) {
    HealthState state = health.get(requireNonNull(serverId, "serverId"));
    if (state == null) {
      throw new IllegalArgumentException("unknown server id '" + serverId + "' in these inputs");
    }
    return state;
  }

  /** The source of every random choice the picker makes; called from every thread that picks. */
  public RandomGenerator random() {
    return random;
  }

  /**
   * The number of requests in flight on all the balancer's servers at {@code nowNanos} (the time a
   * pick is given), in O(1), including requests still running on servers that have left the
   * snapshot. Counted only for a selector whose {@link Selector#usesInFlightTotal()} is true; for a
   * {@linkplain #part part} of the balancer, or a picker built outside one, it is the sum over this
   * part's endpoints (O(n)). Called on the pick path; lock-free.
   */
  public long inFlightTotal(long nowNanos) {
    ServerStats t = total;
    if (t != null && whole) {
      return t.inFlight(endpoints.get(0).accounting.epoch(nowNanos));
    }
    if (endpoints.isEmpty()) {
      return 0;
    }
    int epoch = endpoints.get(0).accounting.epoch(nowNanos);
    long sum = 0;
    for (Endpoint e : endpoints) {
      sum += e.stats.inFlight(epoch);
    }
    return sum;
  }

  /**
   * State that outlives one snapshot, kept per balancer and per part: the value stored under {@code
   * key} for this balancer and part, created by {@code initial} on first use. Use a key only the
   * selector knows (the selector itself, or a private constant), and a thread-safe value: pickers
   * built from several snapshots may use it at once. One selector instance serving two balancers
   * gets one value per balancer, so its balancers never share a rotation or a cache.
   *
   * <p>Called when a picker is built, off the pick path.
   *
   * @param <T> the value's type, which the key fixes
   */
  @SuppressWarnings("unchecked") // the key fixes the value's type, as the selector chose it
  public <T> T state(Object key, Supplier<? extends T> initial) {
    requireNonNull(key, "key");
    requireNonNull(initial, "initial");
    Object scoped = ImmutableList.of(scope, key);
    Object value = store.get(scoped);
    if (value == null) {
      value = store.computeIfAbsent(scoped, k -> requireNonNull(initial.get(), "initial state"));
    }
    return (T) value;
  }

  /**
   * The inputs for a part of these (one zone, one subset): the given endpoints (a non-empty subset
   * of {@link #endpoints()}), the servers of {@link #servers()} that {@code inPart} accepts, and a
   * state store of the part's own, named by {@code part} (compared with {@code equals}: equal names
   * share state, across snapshots).
   */
  public PickerInputs part(Object part, List<Endpoint> endpoints, Predicate<Server> inPart) {
    requireNonNull(part, "part");
    requireNonNull(inPart, "inPart");
    ImmutableList.Builder<Server> members = ImmutableList.builder();
    for (Server s : servers) {
      if (inPart.test(s)) {
        members.add(s);
      }
    }
    return new PickerInputs(
        ImmutableList.copyOf(endpoints),
        members.build(),
        health,
        random,
        store,
        ImmutableList.of(scope, part),
        total,
        false,
        probes);
  }

  /** The balancer's probe transport and report receivers (for the probing selector). */
  ProbeLink probes() {
    return probes;
  }

  @Override
  public String toString() {
    return "PickerInputs{"
        + endpoints.size()
        + " endpoints of "
        + servers.size()
        + " servers"
        + (whole ? "" : ", part " + scope)
        + '}';
  }
}
