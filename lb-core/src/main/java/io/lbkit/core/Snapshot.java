package io.lbkit.core;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import org.jspecify.annotations.Nullable;

/**
 * One immutable state of a balancer: every member by id (in insertion order), the eligible ones as
 * endpoints, and the picker built over them. A pick reads one snapshot and nothing else that
 * membership or health changes write, so it never sees a half-applied change.
 */
final class Snapshot {
  final ImmutableMap<String, Member> members;
  final ImmutableList<Endpoint> eligible;
  final Selector.@Nullable Picker picker;
  private final NoAvailableServerException.@Nullable Reason reason;

  private Snapshot(
      ImmutableMap<String, Member> members,
      ImmutableList<Endpoint> eligible,
      Selector.@Nullable Picker picker,
      NoAvailableServerException.@Nullable Reason reason) {
    this.members = members;
    this.eligible = eligible;
    this.picker = picker;
    this.reason = reason;
  }

  static Snapshot of(ImmutableMap<String, Member> members, Selector selector, StatsRecorder rec) {
    ImmutableList.Builder<Endpoint> eligible = ImmutableList.builder();
    int unhealthy = 0;
    int draining = 0;
    for (Member m : members.values()) {
      switch (m.health) {
        case HEALTHY -> eligible.add(new Endpoint(m.server, m.server.weight(), m.stats, rec));
        case UNHEALTHY -> unhealthy++;
        case DRAINING -> draining++;
      }
    }
    ImmutableList<Endpoint> endpoints = eligible.build();
    if (!endpoints.isEmpty()) {
      Selector.Picker picker = selector.newPicker(endpoints);
      if (picker == null) {
        throw new IllegalStateException(selector.name() + " returned no picker");
      }
      return new Snapshot(members, endpoints, picker, null);
    }
    NoAvailableServerException.Reason reason;
    if (members.isEmpty()) {
      reason = NoAvailableServerException.Reason.NO_SERVERS;
    } else if (draining == 0) {
      reason = NoAvailableServerException.Reason.ALL_UNHEALTHY;
    } else if (unhealthy == 0) {
      reason = NoAvailableServerException.Reason.ALL_DRAINING;
    } else {
      reason = NoAvailableServerException.Reason.ALL_UNHEALTHY_OR_DRAINING;
    }
    return new Snapshot(members, endpoints, null, reason);
  }

  NoAvailableServerException noServer(String balancerName) {
    NoAvailableServerException.Reason r =
        reason == null ? NoAvailableServerException.Reason.NO_SERVERS : reason;
    String what =
        switch (r) {
          case NO_SERVERS -> "it has no servers";
          case ALL_UNHEALTHY -> "all " + members.size() + " servers are unhealthy";
          case ALL_DRAINING -> "all " + members.size() + " servers are draining";
          case ALL_UNHEALTHY_OR_DRAINING -> {
            long draining =
                members.values().stream().filter(m -> m.health == HealthState.DRAINING).count();
            yield "all "
                + members.size()
                + " servers are ineligible ("
                + (members.size() - draining)
                + " unhealthy, "
                + draining
                + " draining)";
          }
        };
    return new NoAvailableServerException(
        r, "no server available in " + balancerName + ": " + what);
  }
}
