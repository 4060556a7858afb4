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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs and reports every state change between two published snapshots: a server's health
 * transition, its removal, panic mode; and settles the removals that the change decided (a drained
 * server removed completes its future; a removal that a health change cancelled fails with a {@link
 * CancellationException} saying why). Each transition is logged once (SLF4J, logger {@code
 * io.lbkit.core.LoadBalancer}) and reported to the application's listeners, one failing listener
 * never keeping the others from hearing.
 */
final class TransitionReporter implements PublishListener {
  private static final Logger logger = LoggerFactory.getLogger("io.lbkit.core.LoadBalancer");

  private final String name;
  private final ImmutableList<HealthListener> listeners;
  private final double panicThreshold;

  TransitionReporter(String name, ImmutableList<HealthListener> listeners, double panicThreshold) {
    this.name = name;
    this.listeners = listeners;
    this.panicThreshold = panicThreshold;
  }

  @Override
  public void published(Snapshot before, Snapshot after) {
    for (Member m : after.members.values()) {
      Member old = before.members.get(m.server.id());
      if (old != null) {
        reportChange(old, m);
      }
    }
    for (Member old : before.members.values()) {
      if (!after.members.containsKey(old.server.id())) {
        reportRemoval(old);
      }
    }
    if (before.panic != after.panic) {
      reportPanic(after);
    }
  }

  private void reportChange(Member old, Member m) {
    CompletableFuture<Server> dropped = old.drainRemoval;
    if (dropped != null && m.drainRemoval != dropped) {
      dropped.completeExceptionally(
          new CancellationException(
              "removal of " + m.server.id() + " cancelled: " + m.reason + " before it drained"));
    }
    HealthState from = old.state();
    HealthState to = m.state();
    if (from != to) {
      logger.info("{}: server {} {} -> {} ({})", name, m.server.id(), from, to, m.reason);
      for (HealthListener l : listeners) {
        notify(l, () -> l.onStateChange(m.server, from, to, m.reason));
      }
    }
  }

  private void reportRemoval(Member old) {
    logger.info("{}: server {} removed", name, old.server.id());
    CompletableFuture<Server> removal = old.drainRemoval;
    if (removal != null) {
      removal.complete(old.server);
    }
    for (HealthListener l : listeners) {
      notify(l, () -> l.onRemoved(old.server));
    }
  }

  private void reportPanic(Snapshot after) {
    if (after.panic) {
      logger.warn(
          "{}: entering panic mode: only {} of {} servers are healthy (threshold {}%), "
              + "balancing across all of them",
          name, after.eligibleCount, after.consideredCount, panicThreshold * 100);
    } else {
      logger.info(
          "{}: leaving panic mode: {} of {} servers are healthy",
          name,
          after.eligibleCount,
          after.consideredCount);
    }
    for (HealthListener l : listeners) {
      notify(l, () -> l.onPanicModeChange(after.panic, after.eligibleCount, after.consideredCount));
    }
  }

  private void notify(HealthListener listener, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      logger.warn("{}: health listener {} failed", name, listener, e);
    }
  }
}
