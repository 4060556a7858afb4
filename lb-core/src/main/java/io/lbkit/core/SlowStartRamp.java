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

import com.google.common.collect.ImmutableMap;

/**
 * Slow start at work for one balancer (its settings are {@link SlowStart}): while a server warms
 * up, each maintenance tick republishes the snapshot so that selectors see its weight grow, and a
 * server whose window is over becomes fully warm. It changes the balancer only through its {@link
 * Membership}.
 */
final class SlowStartRamp {
  private final SlowStart slowStart;
  private final Membership membership;

  SlowStartRamp(SlowStart slowStart, Membership membership) {
    this.slowStart = slowStart;
    this.membership = membership;
  }

  /** Ends the warm-ups whose window is over, and rebuilds while any server is still warming. */
  @SuppressWarnings("ReferenceEquality") // mapEach returns the same map when it changed nothing
  void tick(long now) {
    if (!anyWarming(membership.current())) {
      return;
    }
    long window = slowStart.windowNanos();
    membership.update(
        old -> {
          ImmutableMap<String, Member> next =
              Members.mapEach(
                  old,
                  m -> m.warming && now - m.warmStart >= window ? m.warmed("warm-up complete") : m);
          // A new map even when no warm-up ended, so that the snapshot is rebuilt at the new time
          // and the warming servers' weights grow.
          return next != old ? next : ImmutableMap.<String, Member>builder().putAll(old).build();
        });
  }

  /** Whether any member warms up, eligible or not (an unhealthy one's window ends too). */
  private static boolean anyWarming(Snapshot s) {
    for (Member m : s.members.values()) {
      if (m.warming) {
        return true;
      }
    }
    return false;
  }
}
