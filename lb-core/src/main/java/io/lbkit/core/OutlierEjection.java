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

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Passive outlier detection at work for one balancer (its settings are {@link OutlierDetection}):
 * hears every outcome, ejects a server when a consecutive-failure streak or a rate rule ({@link
 * RateRules}) trips, ends ejections on time, and forgets old ejections. It changes the balancer
 * only through its {@link Membership}.
 *
 * <p>The outcome path costs one atomic add on the server's own statistics unless a rule trips:
 * ejecting rebuilds the snapshot, once per ejection.
 */
final class OutlierEjection implements Accounting.OutcomeSink {
  /** The outcome window is rotated in this many slots per interval. */
  static final int WINDOW_SLOTS = 4;

  private final OutlierDetection od;
  private final RandomGenerator random;
  private final boolean warmAfterEjection;
  private final Lifecycle lifecycle;

  // Linked once, by the balancer's constructor, before it returns: the membership's first
  // snapshot holds the endpoints that report to this object, so the membership exists only after
  // this object does (see link). No outcome can arrive before then, since only those endpoints
  // report; other threads reach this object through the balancer's final fields (or a snapshot
  // published after the link), which makes the write visible to them.
  private @Nullable Membership membership;
  private @Nullable ScheduledExecutorService scheduler;

  // Read and written only by tick(), which the balancer's maintenance runs one at a time.
  private long nextWindowRotation = Long.MIN_VALUE;
  private long nextEjectionDecay = Long.MIN_VALUE;

  OutlierEjection(
      OutlierDetection od, RandomGenerator random, boolean warmAfterEjection, Lifecycle lifecycle) {
    this.od = od;
    this.random = random;
    this.warmAfterEjection = warmAfterEjection;
    this.lifecycle = lifecycle;
  }

  /** Links the membership to eject from, and the scheduler that ends ejections on time. */
  void link(Membership membership, @Nullable ScheduledExecutorService scheduler, long now) {
    this.membership = membership;
    this.scheduler = scheduler;
    this.nextWindowRotation = now + od.intervalNanos / WINDOW_SLOTS;
    this.nextEjectionDecay = now + od.intervalNanos;
  }

  private Membership membership() {
    Membership m = membership;
    if (m == null) {
      throw new IllegalStateException("outlier ejection used before it was linked");
    }
    return m;
  }

  /** Called by every completed pick; cheap unless a rule trips. */
  @Override
  public void onOutcome(Endpoint endpoint, Outcome outcome) {
    ServerStats stats = endpoint.stats;
    long streaks = stats.outcomes.record(outcome);
    int failures = (int) streaks;
    int connectFailures = (int) (streaks >>> 32);
    // Exactly one reporter sees a count reach its threshold, so one thread ejects. (Reading the
    // connect count again after the add would let two racing reporters both see N + 1, and the
    // streak would never be seen at N.)
    if (od.consecutiveFailures > 0 && failures == od.consecutiveFailures) {
      eject(stats, failures + " consecutive failures");
    } else if (od.consecutiveConnectFailures > 0
        && connectFailures == od.consecutiveConnectFailures) {
      eject(stats, od.consecutiveConnectFailures + " consecutive connect failures or timeouts");
    }
  }

  /**
   * The time-based part, run by the balancer's maintenance: ends expired ejections, rotates the
   * outcome windows and applies the rate rules, and forgets old ejections.
   */
  void tick(long now) {
    endEjections(now);
    if (now - nextWindowRotation >= 0) {
      nextWindowRotation = now + od.intervalNanos / WINDOW_SLOTS;
      applyRateRules();
    }
    if (now - nextEjectionDecay >= 0) {
      nextEjectionDecay = now + od.intervalNanos;
      decayEjections(now);
    }
  }

  /** Ejects the member that owns these statistics, if the maximum ejection percentage allows. */
  private void eject(ServerStats stats, String why) {
    Membership members = membership();
    long now = members.now();
    Snapshot published =
        members.update(
            old -> {
              Member target = null;
              int ejected = 0;
              for (Member m : old.values()) {
                if (m.ejected) {
                  ejected++;
                }
                if (m.stats == stats) {
                  target = m;
                }
              }
              if (target == null || target.ejected || !mayEject(ejected, old.size())) {
                return old;
              }
              long duration = od.ejectionNanos(target.ejections + 1, random);
              Member changed =
                  target.eject(
                      now + duration,
                      why
                          + "; ejected for "
                          + Duration.ofNanos(duration).toMillis()
                          + " ms (ejection #"
                          + (target.ejections + 1)
                          + ")");
              return Members.replacing(old, target, changed);
            });
    stats.outcomes.reset();
    if (published != null) {
      endOnTime(published, stats, now);
    }
  }

  /** Ends the ejection on time rather than at the next maintenance tick (up to a second later). */
  private void endOnTime(Snapshot published, ServerStats stats, long now) {
    ScheduledExecutorService exec = scheduler;
    if (exec == null || !lifecycle.isOpen()) {
      return;
    }
    for (Member m : published.members.values()) {
      if (m.stats == stats && m.ejected) {
        try {
          ScheduledFuture<?> unused =
              exec.schedule(
                  new EndEjections(this), Math.max(0, m.ejectedUntil - now), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
          // The scheduler is shut down: the balancer is closing.
        }
      }
    }
  }

  private boolean mayEject(int alreadyEjected, int total) {
    if (od.maxEjectionPercent == 0) {
      return false;
    }
    int allowed = Math.max(1, (int) ((long) total * od.maxEjectionPercent / 100));
    return alreadyEjected < allowed;
  }

  /** Ends every ejection whose time is over; the server warms up if slow start is on. */
  void endEjections(long now) {
    String why = warmAfterEjection ? "ejection over, warming up" : "ejection over";
    membership()
        .update(
            old ->
                Members.mapEach(
                    old,
                    m ->
                        m.ejected && now - m.ejectedUntil >= 0
                            ? m.unEject(warmAfterEjection, now, why)
                            : m));
  }

  private void applyRateRules() {
    Map<ServerStats, Long> windows = new LinkedHashMap<>();
    for (Member m : membership().current().members.values()) {
      windows.put(m.stats, m.stats.outcomes.rotate(WINDOW_SLOTS));
    }
    RateRules.evaluate(od, windows, this::eject);
  }

  /**
   * Forgets one past ejection of every server that has been back for at least a whole interval
   * (Envoy's rule: its interval timer un-ejects a server, and decrements only at a later tick).
   */
  private void decayEjections(long now) {
    long interval = od.intervalNanos;
    membership()
        .update(
            old ->
                Members.mapEach(
                    old,
                    m ->
                        !m.ejected && m.ejections > 0 && now - m.ejectedUntil >= interval
                            ? m.withEjections(m.ejections - 1)
                            : m));
  }

  /**
   * The one-shot task that ends an ejection on time. It holds the ejection weakly: the scheduler's
   * queue holds it for as long as the ejection lasts (minutes), and must not keep a balancer the
   * application dropped reachable meanwhile.
   */
  private static final class EndEjections implements Runnable {
    private final WeakReference<OutlierEjection> target;

    EndEjections(OutlierEjection target) {
      this.target = new WeakReference<>(target);
    }

    @Override
    public void run() {
      OutlierEjection e = target.get();
      if (e != null && e.lifecycle.isOpen()) {
        e.endEjections(e.membership().now());
      }
    }
  }
}
