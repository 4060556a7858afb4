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

import com.google.common.base.Preconditions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The base of sources that are polled: {@link #poll()} once at start, again every {@linkplain
 * #refreshInterval() refresh interval} after a success, and after a failure with exponential
 * backoff: the {@linkplain #initialBackoff() initial backoff}, doubled after each further failure
 * in a row, never more than the refresh interval.
 *
 * <p>Each {@link #start} runs the polls of its registration on one daemon thread named {@code
 * lbkit-discovery-<name>}, started by {@code start} and stopped by {@link Registration#close()}: no
 * thread runs before the application starts a source, or after it closes it. A host that has
 * threads for this already (a gRPC channel's timer and blocking executor, say) gives them to {@link
 * #start(Listener, ScheduledExecutorService, Executor)} instead, and no thread is started. Polls of
 * one registration never overlap.
 *
 * @since 0.1.0
 */
public abstract class PollingServerSource implements ServerSource {
  private static final Logger logger = LoggerFactory.getLogger(PollingServerSource.class);

  /** The refresh interval of a source that is given none: 30 seconds. */
  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(30);

  /** The first retry delay after a failure, unless set: 1 second. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);

  /** The shortest refresh interval: polling more often is a mistake, not a choice. */
  static final Duration MIN_REFRESH_INTERVAL = Duration.ofMillis(10);

  private final String name;
  private final Duration refreshInterval;
  private final Duration initialBackoff;

  /**
   * A source polled every {@code refreshInterval} (in [10 ms, 1 day]) that retries failures after
   * {@code initialBackoff} (in [1 ms, 1 day]), doubling up to the refresh interval.
   *
   * @throws IllegalArgumentException naming the value if the name is blank or a duration is out of
   *     range
   */
  protected PollingServerSource(String name, Duration refreshInterval, Duration initialBackoff) {
    requireNonNull(name, "name");
    Preconditions.checkArgument(
        !name.isBlank(), "source name must not be blank but was '%s'", name);
    this.name = name;
    this.refreshInterval =
        Durations.check(
            refreshInterval, "refreshInterval", MIN_REFRESH_INTERVAL, Durations.ONE_DAY);
    this.initialBackoff = Durations.checkPositive(initialBackoff, "initialBackoff");
  }

  @Override
  public final String name() {
    return name;
  }

  /** How long a successful poll's result stands before the next poll. */
  public final Duration refreshInterval() {
    return refreshInterval;
  }

  /** The delay before the first retry after a failure. */
  public final Duration initialBackoff() {
    return initialBackoff;
  }

  /**
   * Looks the servers up once; called on the registration's thread, never twice at once for one
   * registration.
   *
   * @return the servers found; an empty list means none (the binding then keeps its last list)
   * @throws Exception when the look-up failed; reported to the listener, retried with backoff
   */
  protected abstract List<Server> poll() throws Exception;

  @Override
  public final Registration start(Listener listener) {
    requireNonNull(listener, "listener");
    ScheduledThreadPoolExecutor own =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "lbkit-discovery-" + name);
              t.setDaemon(true);
              return t;
            });
    own.setRemoveOnCancelPolicy(true);
    own.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    // The thread is the registration's own: polls may block it, and close() shuts it down.
    Polls polls = new Polls(listener, own, Runnable::run, own);
    polls.schedule(0);
    return polls;
  }

  /**
   * Starts delivering server lists to {@code listener} on threads the caller owns: {@code timer}
   * only waits for each poll's time and hands the poll to {@code blockingExecutor}, where the
   * look-up (which may block) and the delivery run. No thread is started; {@link
   * Registration#close()} cancels the next poll but shuts neither executor down. For hosts with
   * threads for this already, such as a gRPC name resolver (its channel's timer and offload
   * executor).
   *
   * <p>A poll that either executor refuses (it is shutting down) is not retried until the next
   * {@link Registration#refresh()}.
   *
   * @since 0.2.0
   */
  public final Registration start(
      Listener listener, ScheduledExecutorService timer, Executor blockingExecutor) {
    requireNonNull(listener, "listener");
    requireNonNull(timer, "timer");
    requireNonNull(blockingExecutor, "blockingExecutor");
    Polls polls = new Polls(listener, timer, blockingExecutor, null);
    polls.schedule(0);
    return polls;
  }

  /**
   * The delay before the next poll after {@code failures} failures in a row: {@code initial *
   * 2^(failures-1)}, capped at {@code cap}; {@code cap} after a success.
   */
  static long delayNanos(int failures, long initialNanos, long capNanos) {
    if (failures <= 0) {
      return capNanos;
    }
    // Doubling stops at the cap, well before the shift could overflow.
    long delay = initialNanos;
    for (int i = 1; i < failures && delay < capNanos; i++) {
      delay <<= 1;
    }
    return Math.min(delay, capNanos);
  }

  /** One registration: its schedule and its failure count. */
  private final class Polls implements Registration {
    private final Listener listener;
    private final ScheduledExecutorService timer;
    private final Executor blocking;
    // The executor this registration started and shuts down on close, or null for the caller's.
    private final @Nullable ScheduledThreadPoolExecutor own;
    // Guarded by this: the next poll, whether one is running (from the moment its time came until
    // it has scheduled the next), whether a refresh was asked while it ran, and whether the
    // registration is closed.
    private @Nullable ScheduledFuture<?> next;
    private boolean running;
    private boolean refreshPending;
    private boolean closed;
    // Written only by the running poll; polls never overlap, and each one starts after the
    // previous one released this object's lock, which orders the writes.
    private int failures;

    Polls(
        Listener listener,
        ScheduledExecutorService timer,
        Executor blocking,
        @Nullable ScheduledThreadPoolExecutor own) {
      this.listener = listener;
      this.timer = timer;
      this.blocking = blocking;
      this.own = own;
    }

    // Locking: schedule, refresh, deliveries and close synchronize on this object. They run once
    // per poll or per call of the application, never on the pick path, and the lock makes "nothing
    // is delivered after close() returned" and "a refresh asked during a poll is not lost" simple.
    synchronized void schedule(long delayNanos) {
      if (closed) {
        return;
      }
      ScheduledFuture<?> pending = next;
      if (pending != null) {
        pending.cancel(false);
      }
      try {
        next = timer.schedule(this::due, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        next = null; // the caller's timer is shutting down: no more polls
        logger.debug("discovery {}: timer refused the next poll", name, e);
      }
    }

    /** The poll's time has come: hand it to the blocking executor, unless one is running. */
    private void due() {
      synchronized (this) {
        // A cancelled poll that had already started, or one due while another runs: the running
        // poll schedules the next one when it ends.
        if (closed || running) {
          return;
        }
        running = true;
        refreshPending = false; // this poll answers every refresh asked before it started
      }
      try {
        blocking.execute(this::pollOnce);
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          running = false;
        }
        logger.debug("discovery {}: executor refused a poll", name, e);
      }
    }

    private void pollOnce() {
      List<Server> servers;
      Exception error = null;
      try {
        servers = requireNonNull(poll(), "poll() returned null");
      } catch (Exception e) {
        servers = List.of();
        error = e;
      }
      // Delivered under the lock that close() takes: once close() has returned, no delivery is
      // under way and none will start.
      synchronized (this) {
        if (closed) {
          running = false;
          return;
        }
        try {
          if (error == null) {
            failures = 0;
            listener.onServers(List.copyOf(servers));
          } else {
            failures = failures == Integer.MAX_VALUE ? failures : failures + 1;
            listener.onError(error);
          }
        } catch (RuntimeException e) {
          // A listener that throws must not stop the polls.
          logger.warn("discovery {}: listener failed", name, e);
        }
      }
      synchronized (this) {
        running = false;
        // A refresh asked while this poll ran may have seen older data: it gets a poll of its own.
        long delay =
            refreshPending
                ? 0
                : delayNanos(failures, initialBackoff.toNanos(), refreshInterval.toNanos());
        refreshPending = false;
        schedule(delay);
      }
    }

    @Override
    public synchronized void refresh() {
      if (running) {
        refreshPending = true; // scheduling now would be replaced when the running poll ends
      } else {
        schedule(0);
      }
    }

    @Override
    public void close() {
      ScheduledFuture<?> pending;
      synchronized (this) {
        closed = true;
        pending = next;
        next = null;
      }
      if (pending != null) {
        pending.cancel(false);
      }
      if (own != null) {
        own.shutdownNow();
      }
    }
  }
}
