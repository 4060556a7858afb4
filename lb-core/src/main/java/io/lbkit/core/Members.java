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

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMap;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The changes of a balancer's members, as functions from one immutable member map (by id, in the
 * order servers were added) to the next: what the balancer's {@link Membership#update} changes are
 * made of.
 */
final class Members {
  private Members() {}

  /**
   * The members with the one whose id is {@code id} changed by {@code change}; the same map if the
   * change returns the same member.
   *
   * @throws IllegalArgumentException if no member has that id
   */
  static ImmutableMap<String, Member> replace(
      ImmutableMap<String, Member> old,
      String id,
      String balancerName,
      UnaryOperator<Member> change) {
    Member m = old.get(id);
    checkArgument(m != null, "unknown server id '%s' in %s", id, balancerName);
    Member changed = change.apply(m);
    if (changed == m) {
      return old;
    }
    return replacing(old, m, changed);
  }

  /**
   * The members in the same order with {@code target} replaced by {@code replacement}, or left out
   * if that is null: one pass straight into the immutable map, rather than a LinkedHashMap copy and
   * then a second copy, since each change of one server copies every member.
   */
  static ImmutableMap<String, Member> replacing(
      ImmutableMap<String, Member> old, Member target, @Nullable Member replacement) {
    ImmutableMap.Builder<String, Member> copy = ImmutableMap.builderWithExpectedSize(old.size());
    for (Map.Entry<String, Member> e : old.entrySet()) {
      Member m = e.getValue();
      if (m != target) {
        copy.put(e.getKey(), m);
      } else if (replacement != null) {
        copy.put(e.getKey(), replacement);
      }
    }
    return copy.buildOrThrow();
  }

  /**
   * The members of a whole new server list: servers whose id is already a member keep their
   * statistics and health and take the new server's settings; new ids start healthy, warming up if
   * {@code warm}.
   *
   * @throws IllegalArgumentException naming both servers if two have one id
   * @throws NullPointerException naming the index of a null server
   */
  static ImmutableMap<String, Member> of(
      Collection<Server> servers,
      ImmutableMap<String, Member> old,
      long now,
      boolean warm,
      String balancerName) {
    Map<String, Member> out = new LinkedHashMap<>();
    int index = 0;
    for (Server server : servers) {
      if (server == null) {
        throw new NullPointerException(
            "the server list for " + balancerName + " holds null at index " + index);
      }
      index++;
      Member previous = old.get(server.id());
      Member m = previous == null ? newMember(server, now, warm) : previous.withServer(server);
      Member clash = out.put(server.id(), m);
      if (clash != null) {
        throw new IllegalArgumentException(
            "duplicate server id '"
                + server.id()
                + "' in the server list for "
                + balancerName
                + ": "
                + clash.server
                + " and "
                + server);
      }
    }
    return ImmutableMap.copyOf(out);
  }

  /**
   * The members with a new one for this server at the end.
   *
   * @throws IllegalArgumentException naming both servers if one with the same id is a member
   */
  static ImmutableMap<String, Member> adding(
      ImmutableMap<String, Member> old,
      Server server,
      long now,
      boolean warm,
      String balancerName) {
    Member existing = old.get(server.id());
    if (existing != null) {
      throw new IllegalArgumentException(
          "duplicate server id '"
              + server.id()
              + "': "
              + balancerName
              + " already has "
              + existing.server);
    }
    return ImmutableMap.<String, Member>builder()
        .putAll(old)
        .put(server.id(), newMember(server, now, warm))
        .buildOrThrow();
  }

  /** The members without the one whose id is {@code id}; the same map if there is none. */
  static ImmutableMap<String, Member> without(ImmutableMap<String, Member> old, String id) {
    Member gone = old.get(id);
    return gone == null ? old : replacing(old, gone, null);
  }

  /** A new member with fresh statistics, warming up from {@code now} if {@code warm}. */
  static Member newMember(Server server, long now, boolean warm) {
    return new Member(requireNonNull(server, "server"), new ServerStats(), warm, now);
  }

  /**
   * The members with the application health that {@code health} gives by id (ids that are no member
   * are ignored); the same map if it changes none.
   */
  static ImmutableMap<String, Member> withApplicationStates(
      ImmutableMap<String, Member> old, Map<String, HealthState> health, String by) {
    if (health.isEmpty()) {
      return old;
    }
    return mapEach(
        old,
        m -> {
          HealthState h = health.get(m.server.id());
          return h == null || h == m.applicationState
              ? m
              : m.withApplicationState(h, "set " + h + " by " + by);
        });
  }

  /**
   * The members with {@code change} applied to each (null leaves the member out); the same map if
   * it changed none. For the changes that sweep every member (the end of ejections, of warm-ups, of
   * drains).
   */
  static ImmutableMap<String, Member> mapEach(
      ImmutableMap<String, Member> old, Function<Member, @Nullable Member> change) {
    LinkedHashMap<String, Member> copy = null;
    for (Member m : old.values()) {
      Member next = change.apply(m);
      if (next != m) {
        if (copy == null) {
          copy = new LinkedHashMap<>(old);
        }
        if (next == null) {
          copy.remove(m.server.id());
        } else {
          copy.put(m.server.id(), next);
        }
      }
    }
    return copy == null ? old : ImmutableMap.copyOf(copy);
  }
}
