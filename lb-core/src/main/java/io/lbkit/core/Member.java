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
        why,
        drainRemoval,
        !reachable);
  }

  Member withServer(Server newServer) {
    return new Member(
        newServer,
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

  /**
   * The member with the application's new health; any health but {@code DRAINING} cancels a pending
   * removal.
   */
  Member withApplicationState(HealthState newAdmin, String why) {
    return new Member(
        server,
        stats,
        newAdmin,
        activeCheckFailing,
        ejected,
        ejectedUntil,
        ejections,
        warming,
        warmStart,
        why,
        newAdmin == HealthState.DRAINING ? drainRemoval : null,
        unreachable);
  }

  Member withActiveCheckFailing(boolean down, String why) {
    return new Member(
        server,
        stats,
        applicationState,
        down,
        ejected,
        ejectedUntil,
        ejections,
        warming,
        warmStart,
        why,
        drainRemoval,
        unreachable);
  }

  Member eject(long until, String why) {
    return new Member(
        server,
        stats,
        applicationState,
        activeCheckFailing,
        true,
        until,
        ejections + 1,
        false,
        warmStart,
        why,
        drainRemoval,
        unreachable);
  }

  Member unEject(boolean warm, long now, String why) {
    return new Member(
        server,
        stats,
        applicationState,
        activeCheckFailing,
        false,
        now,
        ejections,
        warm,
        warm ? now : warmStart,
        why,
        drainRemoval,
        unreachable);
  }

  Member withEjections(int count) {
    return new Member(
        server,
        stats,
        applicationState,
        activeCheckFailing,
        ejected,
        ejectedUntil,
        count,
        warming,
        warmStart,
        reason,
        drainRemoval,
        unreachable);
  }

  Member warmed(String why) {
    return new Member(
        server,
        stats,
        applicationState,
        activeCheckFailing,
        ejected,
        ejectedUntil,
        ejections,
        false,
        warmStart,
        why,
        drainRemoval,
        unreachable);
  }

  Member withDrainRemoval(CompletableFuture<Server> removal) {
    return new Member(
        server,
        stats,
        HealthState.DRAINING,
        activeCheckFailing,
        ejected,
        ejectedUntil,
        ejections,
        warming,
        warmStart,
        "draining before removal",
        removal,
        unreachable);
  }

  /** The member still draining, but no longer waiting for removal. */
  Member withoutDrainRemoval(String why) {
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
        why,
        null,
        unreachable);
  }
}
