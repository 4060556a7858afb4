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

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A balancer's active health checks: one chain of checks per server on the balancer's scheduler,
 * each check started an interval (plus jitter) after the previous one ended, so that at most one
 * check per server is ever in flight. A chain starts when its server joins (this object hears of
 * every published snapshot) and ends when the server leaves the balancer (its statistics object,
 * which lives exactly as long as the id is a member, is no longer there), when the balancer closes
 * or becomes unreachable, or when the scheduler is shut down; never because of an exception: an
 * unexpected one is logged and the chain goes on. Results change the balancer, through its {@link
 * Membership}, only when a threshold is crossed, or when a passing check lifts an outlier ejection.
 *
 * <p>The membership is held weakly: the scheduler's queue holds the chains' tasks, and its thread
 * must not keep a balancer that the application dropped without closing it reachable (the
 * membership reaches the application's listeners, which may hold the balancer).
 */
final class HealthCheckChains implements PublishListener {
  // The balancer's logger: its documentation names that logger for everything health does.
  private static final Logger logger = LoggerFactory.getLogger("io.lbkit.core.LoadBalancer");

  private final WeakReference<Membership> membership;
  private final Lifecycle lifecycle;
  private final String name;
  private final RandomGenerator random;
  private final ActiveHealthCheck hc;
  private final ScheduledExecutorService exec;
  private final boolean unejectOnPass;
  private final boolean warmAfterEjection;

  // The servers, by their statistics object, that have a chain running.
  private final Set<ServerStats> running = ConcurrentHashMap.newKeySet();

  /**
   * Starts the chains of the membership's current servers; as a listener of the membership's
   * changes, this object then starts the chains of servers added later.
   *
   * @param unejectOnPass whether a passing check lifts an outlier ejection (Envoy's {@code
   *     successful_active_health_check_uneject_host})
   * @param warmAfterEjection whether a server back from ejection warms up (slow start is on)
   */
  HealthCheckChains(
      String name,
      Membership membership,
      Lifecycle lifecycle,
      ActiveHealthCheck hc,
      ScheduledExecutorService exec,
      RandomGenerator random,
      boolean unejectOnPass,
      boolean warmAfterEjection) {
    this.membership = new WeakReference<>(membership);
    this.lifecycle = lifecycle;
    this.name = name;
    this.random = random;
    this.hc = hc;
    this.exec = exec;
    this.unejectOnPass = unejectOnPass;
    this.warmAfterEjection = warmAfterEjection;
    // Last, once every field is set: the scheduler's hand-off orders these writes before the
    // first check runs.
    start(membership.current());
  }

  /** The membership, if the balancer is still reachable and open. */
  private @Nullable Membership live() {
    Membership m = membership.get();
    return m == null || !lifecycle.isOpen() ? null : m;
  }

  @Override
  public void published(Snapshot before, Snapshot after) {
    start(after);
  }

  /** Starts a chain for every member of this snapshot that has none. */
  void start(Snapshot s) {
    if (live() == null) {
      return;
    }
    for (Member m : s.members.values()) {
      if (running.add(m.stats)) {
        // The first check of a server comes after a random part of the interval, so that the
        // checks of many servers (and many clients) spread out.
        schedule(m.server.id(), m.stats, draw(hc.intervalNanos));
      }
    }
  }

  /** A random delay in [0, bound), or 0 if the balancer's random source fails. */
  private long draw(long bound) {
    try {
      return random.nextLong(Math.max(1, bound));
    } catch (RuntimeException e) {
      logger.warn("{}: the random source failed; checking without jitter", name, e);
      return 0;
    }
  }

  private void schedule(String id, ServerStats stats, long delayNanos) {
    try {
      ScheduledFuture<?> unused =
          exec.schedule(() -> run(id, stats), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      running.remove(stats);
      if (live() != null && !exec.isShutdown()) {
        // Not a shutdown: a scheduler that refuses work for another reason. Nothing can run the
        // chain any more, so say so rather than leave the server in its last state in silence.
        logger.error("{}: the scheduler refused the next health check of {}", name, id, e);
      }
    }
  }

  private void run(String id, ServerStats stats) {
    Membership live = live();
    Member m = live == null ? null : live.current().members.get(id);
    if (m == null || m.stats != stats) {
      running.remove(stats);
      return;
    }
    CompletableFuture<Boolean> result;
    try {
      result =
          requireNonNull(hc.checker.check(m.server, Duration.ofNanos(hc.timeoutNanos)), "check");
      timeOut(result);
    } catch (Throwable e) {
      // Any throwable, Errors included (a checker missing a class of its client library throws
      // NoClassDefFoundError): one that escaped would end this server's chain silently, leaving
      // it in its last state for good.
      result = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Boolean> unused =
        result.whenComplete((ok, error) -> completeOnScheduler(id, stats, ok, error));
  }

  /**
   * Moves the result onto the balancer's scheduler: the check may complete on an HTTP client thread
   * (or a checker's own), which must not run listeners or bookkeeping.
   */
  private void completeOnScheduler(
      String id, ServerStats stats, @Nullable Boolean ok, @Nullable Throwable error) {
    try {
      exec.execute(() -> complete(id, stats, Boolean.TRUE.equals(ok) && error == null, error));
    } catch (RuntimeException e) {
      // Shut down (the chain ends) or refusing work (schedule() says so).
      schedule(id, stats, hc.intervalNanos);
    }
  }

  private void complete(String id, ServerStats stats, boolean passed, @Nullable Throwable error) {
    try {
      Membership live = live();
      if (live != null) {
        record(live, id, stats, passed, error);
      }
    } catch (Throwable e) {
      // A listener throwing an Error, say: logged, and the chain goes on.
      logger.error("{}: recording the health check of {} failed; checks go on", name, id, e);
    } finally {
      if (live() != null) {
        // Both at most a day (Durations), so the sum cannot overflow.
        long jitter = hc.jitterNanos == 0 ? 0 : draw(hc.jitterNanos + 1);
        schedule(id, stats, hc.intervalNanos + jitter);
      } else {
        running.remove(stats);
      }
    }
  }

  /**
   * Fails the check with a {@link TimeoutException} if it has not completed after the timeout. The
   * timer runs on the balancer's scheduler, not the JDK's shared delayer behind {@code orTimeout}:
   * the scheduler is where all of the balancer's timing lives, so a scheduler that runs on
   * simulated time (a test's, a simulator's) times checks out on simulated time too.
   */
  private void timeOut(CompletableFuture<Boolean> check) {
    if (check.isDone()) {
      return;
    }
    ScheduledFuture<?> timer;
    try {
      timer =
          exec.schedule(
              () -> check.completeExceptionally(new TimeoutException()),
              hc.timeoutNanos,
              TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      // The scheduler was shut down: the balancer is closing, and the chain ends with the check.
      return;
    }
    // A check that completes in time cancels its timer, so the scheduler's queue holds only the
    // timers of checks in progress.
    CompletableFuture<Boolean> unused = check.whenComplete((ok, error) -> timer.cancel(false));
  }

  private void record(
      Membership live, String id, ServerStats stats, boolean passed, @Nullable Throwable error) {
    if (passed) {
      stats.checkFailures = 0;
      int passes = stats.checkPasses + 1;
      stats.checkPasses = passes;
      if (passes == hc.healthyThreshold) {
        setFailing(live, id, stats, false, passes + " health checks passed");
      }
      if (unejectOnPass) {
        unEject(live, id, stats);
      }
    } else {
      stats.checkPasses = 0;
      int failures = stats.checkFailures + 1;
      stats.checkFailures = failures;
      if (failures == hc.unhealthyThreshold) {
        String cause = error == null ? "unhealthy answer" : describe(error);
        setFailing(live, id, stats, true, failures + " health checks failed (last: " + cause + ")");
      }
    }
  }

  private static void setFailing(
      Membership live, String id, ServerStats stats, boolean failing, String why) {
    live.update(
        old -> {
          Member m = old.get(id);
          if (m == null || m.stats != stats || m.activeCheckFailing == failing) {
            return old;
          }
          return Members.replacing(old, m, m.withActiveCheckFailing(failing, why));
        });
  }

  /**
   * A passing check lifts an outlier ejection, once the checks consider the server healthy: while
   * it is below the healthy threshold after failing checks, it stays down anyway.
   */
  private void unEject(Membership live, String id, ServerStats stats) {
    // The common case, a server that is not ejected, costs one snapshot read.
    Member current = live.current().members.get(id);
    if (current == null
        || current.stats != stats
        || !current.ejected
        || current.activeCheckFailing) {
      return;
    }
    long now = live.now();
    String why = "health check passed, ejection lifted" + (warmAfterEjection ? ", warming up" : "");
    live.update(
        old -> {
          Member m = old.get(id);
          if (m == null || m.stats != stats || !m.ejected || m.activeCheckFailing) {
            return old;
          }
          return Members.replacing(old, m, m.unEject(warmAfterEjection, now, why));
        });
  }

  private static String describe(Throwable error) {
    Throwable t = error;
    while (t.getCause() != null && t instanceof CompletionException) {
      t = t.getCause();
    }
    if (t instanceof TimeoutException) {
      return "timed out";
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
