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

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One server in a balancer's membership: its value, its statistics and every input to its health.
 * Immutable: a health change makes a new member (sharing the statistics) and a new snapshot.
 */
final class Member {
  final Server server;
  final ServerStats stats;

  /** What the application set: HEALTHY, UNHEALTHY or DRAINING. */
  final HealthState applicationState;

  /** Whether active health checks currently fail this server. */
  final boolean activeCheckFailing;

  /** Whether passive outlier detection has ejected it, until {@link #ejectedUntil}. */
  final boolean ejected;

  /**
   * While ejected: when the ejection ends. Otherwise: when the last ejection ended (meaningful only
   * if {@link #ejections} is positive), so that only whole clean intervals forget ejections.
   */
  final long ejectedUntil;

  /** How many times it was ejected recently; drives the growing ejection time. */
  final int ejections;

  /** Whether it is ramping up its weight since {@link #warmStart}. */
  final boolean warming;

  final long warmStart;

  /** Why the last health input changed, for logs and listeners. */
  final String reason;

  /** Completed when a drained server has been removed, if someone asked. */
  final @Nullable CompletableFuture<Server> drainRemoval;

  /**
   * Whether the adapter that carries this server's requests has no connection to it (gRPC's
   * subchannel is not READY): a transport fact, kept apart from what the application set.
   */
  final boolean unreachable;

  Member(Server server, ServerStats stats, boolean warming, long warmStart) {
    this(
        server,
        stats,
        HealthState.HEALTHY,
        false,
        false,
        0,
        0,
        warming,
        warmStart,
        warming ? "added, warming up" : "added",
        null,
        false);
  }

  private Member(
      Server server,
      ServerStats stats,
      HealthState applicationState,
      boolean activeCheckFailing,
      boolean ejected,
      long ejectedUntil,
      int ejections,
      boolean warming,
      long warmStart,
      String reason,
      @Nullable CompletableFuture<Server> drainRemoval,
      boolean unreachable) {
    this.server = server;
    this.stats = stats;
    this.applicationState = applicationState;
    this.activeCheckFailing = activeCheckFailing;
    this.ejected = ejected;
    this.ejectedUntil = ejectedUntil;
    this.ejections = ejections;
    this.warming = warming;
    this.warmStart = warmStart;
    this.reason = reason;
    this.drainRemoval = drainRemoval;
    this.unreachable = unreachable;
  }

  /** The folded state: the strongest cause wins. */
  HealthState state() {
    if (applicationState == HealthState.DRAINING) {
      return HealthState.DRAINING;
    }
    if (applicationState == HealthState.UNHEALTHY || activeCheckFailing || unreachable) {
      return HealthState.UNHEALTHY;
    }
    if (ejected) {
      return HealthState.EJECTED;
    }
    return warming ? HealthState.WARMING : HealthState.HEALTHY;
  }

  /**
   * Whether the application took this server out, or it cannot be reached (so that panic mode
   * leaves it out too: a request cannot go where there is no connection).
   */
  boolean excludedByApplication() {
    return applicationState != HealthState.HEALTHY || unreachable;
  }

  /** The member with a new reachability (see {@link #unreachable}). */
  Member withReachable(boolean reachable, String why) {
    Copy c = copy(why);
    c.unreachable = !reachable;
    return c.build();
  }

  Member withServer(Server newServer) {
    Copy c = copy(reason);
    c.server = newServer;
    return c.build();
  }

  /**
   * The member with the application's new health; any health but {@code DRAINING} cancels a pending
   * removal.
   */
  Member withApplicationState(HealthState newState, String why) {
    Copy c = copy(why);
    c.applicationState = newState;
    if (newState != HealthState.DRAINING) {
      c.drainRemoval = null;
    }
    return c.build();
  }

  Member withActiveCheckFailing(boolean failing, String why) {
    Copy c = copy(why);
    c.activeCheckFailing = failing;
    return c.build();
  }

  Member eject(long until, String why) {
    Copy c = copy(why);
    c.ejected = true;
    c.ejectedUntil = until;
    c.ejections = ejections + 1;
    c.warming = false;
    return c.build();
  }

  Member unEject(boolean warm, long now, String why) {
    Copy c = copy(why);
    c.ejected = false;
    c.ejectedUntil = now;
    c.warming = warm;
    if (warm) {
      c.warmStart = now;
    }
    return c.build();
  }

  Member withEjections(int count) {
    Copy c = copy(reason);
    c.ejections = count;
    return c.build();
  }

  Member warmed(String why) {
    Copy c = copy(why);
    c.warming = false;
    return c.build();
  }

  Member withDrainRemoval(CompletableFuture<Server> removal) {
    Copy c = copy("draining before removal");
    c.applicationState = HealthState.DRAINING;
    c.drainRemoval = removal;
    return c.build();
  }

  /** The member still draining, but no longer waiting for removal. */
  Member withoutDrainRemoval(String why) {
    Copy c = copy(why);
    c.drainRemoval = null;
    return c.build();
  }

  /** A copy of this member to change, with a new reason; the statistics are always shared. */
  private Copy copy(String why) {
    return new Copy(this, why);
  }

  /**
   * The one place that lists every field: each change above copies this member, sets what it
   * changes, and builds. Changes are membership events, never on the pick path, so the extra
   * short-lived object costs nothing that matters.
   */
  private static final class Copy {
    private final ServerStats stats;
    Server server;
    HealthState applicationState;
    boolean activeCheckFailing;
    boolean ejected;
    long ejectedUntil;
    int ejections;
    boolean warming;
    long warmStart;
    String reason;
    @Nullable CompletableFuture<Server> drainRemoval;
    boolean unreachable;

    Copy(Member m, String why) {
      this.server = m.server;
      this.stats = m.stats;
      this.applicationState = m.applicationState;
      this.activeCheckFailing = m.activeCheckFailing;
      this.ejected = m.ejected;
      this.ejectedUntil = m.ejectedUntil;
      this.ejections = m.ejections;
      this.warming = m.warming;
      this.warmStart = m.warmStart;
      this.reason = why;
      this.drainRemoval = m.drainRemoval;
      this.unreachable = m.unreachable;
    }

    Member build() {
      return new Member(
          server,
          stats,
          applicationState,
          activeCheckFailing,
          ejected,
          ejectedUntil,
          ejections,
          warming,
          warmStart,
          reason,
          drainRemoval,
          unreachable);
    }
  }
}
