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

import com.google.common.collect.ImmutableMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Removals that wait for a server to drain (the balancer's {@code drainAndRemove}): marks the
 * server draining with a pending future, and removes it once nothing is in flight to it, on the
 * balancer's maintenance tick or, when no maintenance runs, by polling. The future completes when
 * the removal is published ({@link TransitionReporter} settles it); a health change, the
 * application's cancelling it, or {@link #close()} cancels it instead. It changes the balancer only
 * through its {@link Membership}.
 */
final class Drains {
  private static final long POLL_MILLIS = 100;

  private final String name;
  private final Membership membership;
  private final Accounting accounting;
  private final Lifecycle lifecycle;
  private final @Nullable ScheduledExecutorService scheduler;
  private final boolean maintained;

  /**
   * @param maintained whether the balancer's maintenance runs on a schedule (and so calls {@link
   *     #tick}); if not, each pending removal polls on the scheduler, or on a shared daemon thread
   */
  Drains(
      String name,
      Membership membership,
      Accounting accounting,
      Lifecycle lifecycle,
      @Nullable ScheduledExecutorService scheduler,
      boolean maintained) {
    this.name = name;
    this.membership = membership;
    this.accounting = accounting;
    this.lifecycle = lifecycle;
    this.scheduler = scheduler;
    this.maintained = maintained;
  }

  /** Drains the server and removes it once drained; see the balancer's {@code drainAndRemove}. */
  CompletableFuture<Server> drainAndRemove(String id) {
    CompletableFuture<Server> removal = new CompletableFuture<>();
    Server[] target = new Server[1];
    membership.update(
        old ->
            Members.replace(
                old,
                id,
                name,
                m -> {
                  target[0] = m.server;
                  return m.drainRemoval != null ? m : m.withDrainRemoval(removal);
                }));
    Member m = membership.current().members.get(id);
    CompletableFuture<Server> pending = m == null ? null : m.drainRemoval;
    if (pending == null) {
      // Removed (or put back) by another change between the two steps.
      return m == null
          ? CompletableFuture.completedFuture(requireNonNull(target[0]))
          : cancelled(id, "its health was set by another change");
    }
    if (pending == removal) {
      // The application may cancel the future: the server then stays draining, and no longer
      // waits for removal. (A removal cancelled by a health change or by close() is no longer on
      // the member, so this changes nothing then.)
      CompletableFuture<Server> unused =
          removal.whenComplete(
              (server, error) -> {
                if (removal.isCancelled() && !lifecycle.isClosed()) {
                  membership.update(old -> dropRemoval(old, id, removal));
                }
              });
    }
    // close() sets the flag and then cancels the removals of its snapshot; this published first
    // and reads the flag after, so one of the two sees the other (both are volatile).
    if (lifecycle.isClosed()) {
      pending.completeExceptionally(closedBeforeDrain(id));
      return pending;
    }
    if (!maintained) {
      ScheduledExecutorService s = scheduler;
      poll(s != null ? s : SharedPoller.INSTANCE, pending);
    }
    return pending;
  }

  /** Removes the drained servers that asked for it once nothing is in flight to them. */
  void tick(long now) {
    int epoch = accounting.epoch(now);
    membership.update(
        old ->
            Members.mapEach(
                old, m -> m.drainRemoval != null && m.stats.inFlight(epoch) == 0 ? null : m));
  }

  /** Cancels every pending removal: the balancer is closing, and the servers stay. */
  void close() {
    for (Member member : membership.current().members.values()) {
      CompletableFuture<Server> removal = member.drainRemoval;
      if (removal != null) {
        removal.completeExceptionally(closedBeforeDrain(member.server.id()));
      }
    }
  }

  private static ImmutableMap<String, Member> dropRemoval(
      ImmutableMap<String, Member> old, String id, CompletableFuture<Server> removal) {
    Member m = old.get(id);
    if (m == null || m.drainRemoval != removal) {
      return old;
    }
    return Members.replacing(old, m, m.withoutDrainRemoval("removal cancelled, still draining"));
  }

  private static CompletableFuture<Server> cancelled(String id, String why) {
    CompletableFuture<Server> f = new CompletableFuture<>();
    f.completeExceptionally(new CancellationException("removal of " + id + " cancelled: " + why));
    return f;
  }

  private CancellationException closedBeforeDrain(String id) {
    return new CancellationException(name + " was closed before " + id + " was drained");
  }

  private void poll(ScheduledExecutorService poller, CompletableFuture<Server> f) {
    if (f.isDone() || lifecycle.isClosed()) {
      return;
    }
    tick(accounting.read());
    if (!f.isDone()) {
      ScheduledFuture<?> unused =
          poller.schedule(() -> poll(poller, f), POLL_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** A shared daemon thread for the polling of balancers that have no scheduler of their own. */
  private static final class SharedPoller {
    static final ScheduledExecutorService INSTANCE =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lbkit-drain");
              t.setDaemon(true);
              return t;
            });

    private SharedPoller() {}
  }
}
