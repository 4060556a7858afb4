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

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * One immutable state of a balancer: every member by id (in insertion order), the endpoints that
 * picks may choose (the eligible members, or in panic mode every member the application has not
 * taken out), and the picker built over them. A pick reads one snapshot and nothing else that
 * membership or health changes write, so it never sees a half-applied change.
 */
final class Snapshot {
  final ImmutableMap<String, Member> members;
  final ImmutableList<Endpoint> endpoints;
  final Selector.@Nullable Picker picker;
  final boolean panic;
  final int eligibleCount;
  final int consideredCount;
  final boolean anyWarming;

  // The endpoints by server id, for picks of one named server; built on first use. Racy single
  // check: two threads may both build it, and either result is the same immutable map. An
  // ImmutableMap is safe to publish through a data race (its state is in final fields), so a
  // reader sees either null (and builds its own) or a complete map.
  private @Nullable ImmutableMap<String, Endpoint> byId;

  private Snapshot(
      ImmutableMap<String, Member> members,
      ImmutableList<Endpoint> endpoints,
      Selector.@Nullable Picker picker,
      boolean panic,
      int eligibleCount,
      int consideredCount,
      boolean anyWarming) {
    this.members = members;
    this.endpoints = endpoints;
    this.picker = picker;
    this.panic = panic;
    this.eligibleCount = eligibleCount;
    this.consideredCount = consideredCount;
    this.anyWarming = anyWarming;
  }

  /**
   * Builds the snapshot of these members at {@code now}: slow-start factors are evaluated at {@code
   * now}, and panic mode is entered when fewer than {@code panicThreshold} of the members the
   * application has not taken out are eligible (Envoy's rule; 0 turns it off).
   */
  static Snapshot of(
      ImmutableMap<String, Member> members,
      BoundSelector selector,
      Accounting rec,
      @Nullable SlowStart slowStart,
      double panicThreshold,
      long now) {
    ImmutableList.Builder<Endpoint> eligible = ImmutableList.builder();
    int eligibleCount = 0;
    int considered = 0;
    boolean anyWarming = false;
    for (Member m : members.values()) {
      if (!m.excludedByApplication()) {
        considered++;
      }
      if (m.state().isEligible()) {
        eligibleCount++;
        double factor = warmupFactor(m, slowStart, now);
        anyWarming |= m.warming;
        eligible.add(new Endpoint(m.server, factor, m.stats, rec, selector.total));
      }
    }
    boolean panic =
        considered > 0 && eligibleCount < considered && eligibleCount < panicThreshold * considered;
    ImmutableList<Endpoint> endpoints;
    if (panic) {
      ImmutableList.Builder<Endpoint> all = ImmutableList.builder();
      for (Member m : members.values()) {
        if (!m.excludedByApplication()) {
          all.add(
              new Endpoint(
                  m.server, warmupFactor(m, slowStart, now), m.stats, rec, selector.total));
        }
      }
      endpoints = all.build();
    } else {
      endpoints = eligible.build();
    }
    Selector.@Nullable Picker picker = null;
    if (!endpoints.isEmpty()) {
      picker = selector.newPicker(endpoints, members);
    }
    return new Snapshot(members, endpoints, picker, panic, eligibleCount, considered, anyWarming);
  }

  /** The endpoint of this server id, if picks may choose it now. */
  @Nullable Endpoint endpoint(String id) {
    ImmutableMap<String, Endpoint> index = byId;
    if (index == null) {
      ImmutableMap.Builder<String, Endpoint> b =
          ImmutableMap.builderWithExpectedSize(endpoints.size());
      for (Endpoint e : endpoints) {
        b.put(e.server.id(), e);
      }
      index = b.buildOrThrow();
      byId = index;
    }
    return index.get(id);
  }

  /**
   * The endpoint for a pick whose context excludes servers (see {@link Failover}): among the part
   * of the endpoints the picker routes this request to, or among all of them.
   *
   * @throws NoAvailableServerException when every candidate is excluded, or the request may go
   *     nowhere
   */
  Endpoint pickExcluding(
      Selector.Picker picker,
      PickContext context,
      long now,
      Accounting rec,
      RandomGenerator random,
      String balancerName) {
    List<Endpoint> candidates =
        picker instanceof RoutingPicker routing ? routing.candidates(context) : endpoints;
    Endpoint chosen = Failover.choose(candidates, context, now, rec, random);
    if (chosen == null) {
      throw new NoAvailableServerException(
          NoAvailableServerException.Reason.ALL_EXCLUDED,
          "no server available in "
              + balancerName
              + ": the request excludes every one of the "
              + candidates.size()
              + " servers it may go to "
              + context.excludedServerIds());
    }
    return chosen;
  }

  private static double warmupFactor(Member m, @Nullable SlowStart slowStart, long now) {
    if (!m.warming || slowStart == null) {
      return 1.0;
    }
    return slowStart.factor(now - m.warmStart);
  }

  /** The exception a pick throws when there is no endpoint, with a reason and per-state counts. */
  NoAvailableServerException noServer(String balancerName) {
    if (members.isEmpty()) {
      return new NoAvailableServerException(
          NoAvailableServerException.Reason.NO_SERVERS,
          "no server available in " + balancerName + ": it has no servers");
    }
    Map<HealthState, Integer> counts = new EnumMap<>(HealthState.class);
    for (Member m : members.values()) {
      counts.merge(m.state(), 1, Integer::sum);
    }
    int draining = counts.getOrDefault(HealthState.DRAINING, 0);
    NoAvailableServerException.Reason reason;
    if (draining == members.size()) {
      reason = NoAvailableServerException.Reason.ALL_DRAINING;
    } else if (draining == 0) {
      reason = NoAvailableServerException.Reason.ALL_UNHEALTHY;
    } else {
      reason = NoAvailableServerException.Reason.ALL_UNHEALTHY_OR_DRAINING;
    }
    StringBuilder what = new StringBuilder();
    counts.forEach(
        (state, count) ->
            what.append(what.length() == 0 ? "" : ", ")
                .append(count)
                .append(' ')
                .append(state.name().toLowerCase(java.util.Locale.ROOT)));
    return new NoAvailableServerException(
        reason,
        "no server available in "
            + balancerName
            + ": all "
            + members.size()
            + " servers are ineligible ("
            + what
            + ")");
  }

  /** How many members are eligible, of how many, and panic mode: for a balancer's toString. */
  String summary() {
    return eligibleCount + "/" + members.size() + " eligible" + (panic ? ", PANIC" : "");
  }
}
