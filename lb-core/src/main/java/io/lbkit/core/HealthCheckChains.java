package io.lbkit.core;

import static java.util.Objects.requireNonNull;

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

/**
 * A balancer's active health checks: one chain of checks per server on the balancer's scheduler,
 * each check started an interval (plus jitter) after the previous one ended, so that at most one
 * check per server is ever in flight. A chain ends when its server leaves the balancer (its
 * statistics object, which lives exactly as long as the id is a member, is no longer there) or the
 * balancer closes. Results reach the balancer only when a threshold is crossed.
 */
final class HealthCheckChains {
  private final LoadBalancer owner;
  private final RandomGenerator random;
  private final ActiveHealthCheck hc;
  private final ScheduledExecutorService exec;

  // The servers, by their statistics object, that have a chain running.
  private final Set<ServerStats> running = ConcurrentHashMap.newKeySet();

  HealthCheckChains(
      LoadBalancer owner,
      ActiveHealthCheck hc,
      ScheduledExecutorService exec,
      RandomGenerator random) {
    this.random = random;
    this.owner = owner;
    this.hc = hc;
    this.exec = exec;
  }

  /** Starts a chain for every member of this snapshot that has none. */
  void start(Snapshot s) {
    if (owner.isClosed()) {
      return;
    }
    for (Member m : s.members.values()) {
      if (running.add(m.stats)) {
        // The first check of a server comes after a random part of the interval, so that the
        // checks of many servers (and many clients) spread out.
        long delay = random.nextLong(Math.max(1, hc.intervalNanos));
        schedule(m.server.id(), m.stats, delay);
      }
    }
  }

  private void schedule(String id, ServerStats stats, long delayNanos) {
    try {
      ScheduledFuture<?> unused =
          exec.schedule(() -> run(id, stats), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      // The scheduler was shut down: the chain ends.
      running.remove(stats);
    }
  }

  private void run(String id, ServerStats stats) {
    Member m = owner.member(id);
    if (owner.isClosed() || m == null || m.stats != stats) {
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
        // Async on the balancer's scheduler: the result may complete on an HTTP client thread (or
        // a checker's own), which must not run listeners or bookkeeping.
        result.whenCompleteAsync(
            (ok, error) -> {
              try {
                record(id, stats, Boolean.TRUE.equals(ok) && error == null, error);
              } finally {
                long jitter = hc.jitterNanos == 0 ? 0 : random.nextLong(hc.jitterNanos + 1);
                if (!owner.isClosed()) {
                  schedule(id, stats, hc.intervalNanos + jitter);
                } else {
                  running.remove(stats);
                }
              }
            },
            exec);
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

  private void record(String id, ServerStats stats, boolean passed, @Nullable Throwable error) {
    if (passed) {
      stats.checkFailures = 0;
      int passes = stats.checkPasses + 1;
      stats.checkPasses = passes;
      if (passes == hc.healthyThreshold) {
        owner.setActiveDown(id, stats, false, passes + " health checks passed");
      }
    } else {
      stats.checkPasses = 0;
      int failures = stats.checkFailures + 1;
      stats.checkFailures = failures;
      if (failures == hc.unhealthyThreshold) {
        String cause = error == null ? "unhealthy answer" : describe(error);
        owner.setActiveDown(
            id, stats, true, failures + " health checks failed (last: " + cause + ")");
      }
    }
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
