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

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads pick and report while another changes membership, weights and health, for every
 * built-in selector. Each run lasts a fixed, short wall-clock budget (the threads stop by
 * themselves); the invariants are checked once everything has stopped:
 *
 * <ul>
 *   <li>every pick was reported exactly once: the number of {@code complete} calls that returned
 *       true (plus the {@code close()} calls that were a pick's first report) equals the number of
 *       picks, although some picks were reported from two threads at once;
 *   <li>every in-flight count the balancer ever had is back to zero, and counting still works
 *       afterwards (a few more picks count exactly);
 *   <li>no pick returned a server that its change had made ineligible (removed, unhealthy or
 *       draining) if the pick started after the change method returned.
 * </ul>
 *
 * <p>"Started after the change returned" is decided by a sequence-number protocol on one shared
 * {@link AtomicLong}. The changing thread makes a server ineligible and then increments the
 * sequence (getting {@code s}); before making it eligible again it increments the sequence (getting
 * {@code a}). So the server is ineligible for every pick whose first sequence read is at least
 * {@code s} (the change happened before that read) and whose second read, taken after the pick
 * returned, is below {@code a} (the pick read the snapshot before the change back was made). Each
 * picking thread reads the sequence before and after every pick and logs both with the server it
 * got; the logs are checked against the changer's intervals at the end.
 *
 * <p>The ticker is a fake that moves 100 ns per reading and the in-flight expiry is the shortest
 * allowed (1 ms), so the in-flight buckets are recycled many times during a run and some picks
 * (held a while, or handed to another thread) complete after their epoch expired.
 */
class LoadBalancerStressTest {
  private static final int SERVERS = 6;
  private static final int PICKERS = 3;
  private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(600);

  /**
   * A run goes on past {@link #RUN_NANOS} until it has made this many changes and picks (up to
   * {@link #LONGEST_RUN_NANOS}): on a loaded machine 600 ms may hold too few of either to test
   * anything, and the counts, not the time, are what the invariants need.
   */
  private static final int MIN_CHANGES = 150;

  private static final long MIN_PICKS = 2_000;
  private static final long LONGEST_RUN_NANOS = TimeUnit.SECONDS.toNanos(15);
  private static final int LOG_CAPACITY = 400_000;
  private static final Outcome[] OUTCOMES = Outcome.values();
  private static final HealthState[] HEALTHS = {
    HealthState.HEALTHY, HealthState.UNHEALTHY, HealthState.DRAINING
  };

  static Stream<Arguments> selectors() {
    return Stream.of(
        Arguments.of("roundRobin", (Supplier<Selector>) Selectors::roundRobin),
        Arguments.of("weightedRoundRobin", (Supplier<Selector>) Selectors::weightedRoundRobin),
        Arguments.of("random", (Supplier<Selector>) Selectors::random),
        Arguments.of("weightedRandom", (Supplier<Selector>) Selectors::weightedRandom),
        Arguments.of("leastConnections", (Supplier<Selector>) Selectors::leastConnections),
        Arguments.of(
            "weightedLeastConnections", (Supplier<Selector>) Selectors::weightedLeastConnections),
        Arguments.of("powerOfTwoChoices", (Supplier<Selector>) Selectors::powerOfTwoChoices),
        Arguments.of(
            "powerOfTwoChoices(inFlight)",
            (Supplier<Selector>) () -> Selectors.powerOfTwoChoices(LoadMetric.inFlight())),
        Arguments.of("leastResponseTime", (Supplier<Selector>) Selectors::leastResponseTime));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selectors")
  @Timeout(30)
  void picksAndReportsStayConsistentWhileMembershipChanges(String name, Supplier<Selector> selector)
      throws Throwable {
    Run run = new Run(selector.get());
    QuietStandardError.run(run::execute);

    assertThat(run.failures).as("errors on the worker threads").isEmpty();
    assertThat(run.picks.get()).as("picks made").isGreaterThan(1_000);
    assertThat(run.changes).as("membership and health changes made").isGreaterThan(100);

    // Exactly one report per pick.
    assertThat(run.firstReports.get()).as("first reports").isEqualTo(run.picks.get());
    assertThat(run.extraReportsAccepted.get()).as("second reports accepted").isZero();

    // No pick saw a change it started after, in either direction.
    assertThat(run.visibilityViolations()).as("picks of an ineligible server").isEmpty();

    // Every in-flight count the balancer ever had (its servers' statistics) is back to zero.
    for (Endpoint e : run.endpointsSeen.values()) {
      assertThat(e.inFlight()).as("in flight on %s after the run", e.server().id()).isZero();
    }

    // And counting still works: five picks held open count exactly five, then zero again.
    if (run.balancer.selector().usesInFlight()) {
      List<Pick> open = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        open.add(run.balancer.pick());
      }
      assertThat(totalInFlight(run.balancer)).isEqualTo(5);
      open.forEach(Pick::close);
      assertThat(totalInFlight(run.balancer)).isZero();
    }
  }

  private static int totalInFlight(LoadBalancer balancer) {
    int sum = 0;
    for (Endpoint e : balancer.eligibleEndpoints()) {
      sum += e.inFlight();
    }
    return sum;
  }

  private static String id(int index) {
    return "s" + index;
  }

  private static Server server(int index, double weight) {
    return Server.builder("10.0.0." + (index + 1), 8080).id(id(index)).weight(weight).build();
  }

  /** A clock shared by every thread that moves 100 ns each time it is read. */
  private static final class SteppingTicker extends Ticker {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    @Override
    public long read() {
      return nanos.addAndGet(100);
    }
  }

  /** One run: the balancer, the threads, their logs and the counters the invariants use. */
  private static final class Run {
    final LoadBalancer balancer;
    final AtomicLong sequence = new AtomicLong();
    final AtomicLong picks = new AtomicLong();
    final AtomicLong firstReports = new AtomicLong();
    final AtomicLong extraReportsAccepted = new AtomicLong();
    final ConcurrentLinkedQueue<Pick> handedOff = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    final AtomicBoolean pickersDone = new AtomicBoolean();
    final long deadline = System.nanoTime() + RUN_NANOS;
    final long lastDeadline = System.nanoTime() + LONGEST_RUN_NANOS;

    // The changer's count so far, for the other threads' stop condition.
    volatile int changesSoFar;

    // Written by the changer only, read after it has been joined.
    final List<List<long[]>> ineligible = new ArrayList<>();
    final IdentityHashMap<ServerStats, Endpoint> endpointsSeen = new IdentityHashMap<>();
    int changes;

    // One log per picker: server index, sequence before, sequence after.
    final byte[][] logServer = new byte[PICKERS][LOG_CAPACITY];
    final long[][] logBefore = new long[PICKERS][LOG_CAPACITY];
    final long[][] logAfter = new long[PICKERS][LOG_CAPACITY];
    final int[] logSize = new int[PICKERS];

    Run(Selector selector) {
      List<Server> initial = new ArrayList<>();
      for (int i = 0; i < SERVERS; i++) {
        initial.add(server(i, 1 + i % 3));
        ineligible.add(new ArrayList<>());
      }
      balancer =
          LoadBalancer.builder()
              .selector(selector)
              .servers(initial)
              .ticker(new SteppingTicker())
              .inFlightExpiry(Duration.ofMillis(1))
              .build();
      recordEndpoints();
    }

    void execute() throws InterruptedException {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> pickers = new ArrayList<>();
      for (int t = 0; t < PICKERS; t++) {
        int worker = t;
        pickers.add(thread("picker-" + t, start, () -> pickLoop(worker)));
      }
      Thread completer = thread("completer", start, this::completeLoop);
      Thread changer = thread("changer", start, this::changeLoop);
      start.countDown();
      for (Thread t : pickers) {
        t.join();
      }
      pickersDone.set(true);
      completer.join();
      changer.join();
    }

    private Thread thread(String name, CountDownLatch start, Runnable body) {
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                  body.run();
                } catch (Throwable e) {
                  failures.add(e);
                }
              },
              name);
      t.setDaemon(true);
      t.start();
      return t;
    }

    /** Whether the threads go on: before the deadline, or until the minimum counts are made. */
    private boolean running() {
      long now = System.nanoTime();
      if (now - deadline < 0) {
        return true;
      }
      boolean enough = changesSoFar >= MIN_CHANGES && picks.get() >= MIN_PICKS;
      return !enough && now - lastDeadline < 0;
    }

    /** Picks until the deadline (or a full log) and reports each pick in one of several ways. */
    private void pickLoop(int worker) {
      SplittableRandom random = new SplittableRandom(worker);
      List<Pick> held = new ArrayList<>();
      byte[] servers = logServer[worker];
      long[] before = logBefore[worker];
      long[] after = logAfter[worker];
      int n = 0;
      while (n < LOG_CAPACITY && ((n & 63) != 0 || running())) {
        long seqBefore = sequence.get();
        Pick pick;
        try {
          pick = balancer.pick();
        } catch (NoAvailableServerException e) {
          continue;
        }
        long seqAfter = sequence.get();
        picks.incrementAndGet();
        servers[n] = (byte) Integer.parseInt(pick.server().id().substring(1));
        before[n] = seqBefore;
        after[n] = seqAfter;
        n++;
        report(pick, random, held);
      }
      for (Pick pick : held) {
        reportOnce(pick, OUTCOMES[random.nextInt(OUTCOMES.length)], random);
      }
      logSize[worker] = n;
    }

    private void report(Pick pick, SplittableRandom random, List<Pick> held) {
      int way = random.nextInt(10);
      if (way <= 3) {
        reportOnce(pick, OUTCOMES[random.nextInt(OUTCOMES.length)], random);
        // A second report is always ignored.
        if (pick.complete(Outcome.FAILURE)) {
          extraReportsAccepted.incrementAndGet();
        }
      } else if (way == 4) {
        // Dropped by a try-with-resources block: close() is the first and only report.
        pick.close();
        firstReports.incrementAndGet();
        if (pick.complete(Outcome.SUCCESS)) {
          extraReportsAccepted.incrementAndGet();
        }
      } else if (way <= 6) {
        // Reported by another thread.
        handedOff.add(pick);
      } else if (way == 7) {
        // Reported by another thread and, at the same time, by this one: one of them wins.
        handedOff.add(pick);
        reportOnce(pick, Outcome.TIMEOUT, random);
      } else {
        // Held across many later picks (and often across in-flight epochs), reported later.
        held.add(pick);
        if (held.size() > 64) {
          Pick oldest = held.remove(random.nextInt(held.size()));
          reportOnce(oldest, OUTCOMES[random.nextInt(OUTCOMES.length)], random);
        }
      }
    }

    /** Reports once, with measured or given latency; counts the report if it was the first. */
    private void reportOnce(Pick pick, Outcome outcome, SplittableRandom random) {
      boolean first =
          random.nextBoolean()
              ? pick.complete(outcome)
              : pick.complete(outcome, random.nextLong(5_000_000));
      if (first) {
        firstReports.incrementAndGet();
      }
    }

    /** Reports handed-off picks until the pickers are done and the queue is empty. */
    private void completeLoop() {
      SplittableRandom random = new SplittableRandom(99);
      while (true) {
        Pick pick = handedOff.poll();
        if (pick == null) {
          if (pickersDone.get() && handedOff.isEmpty()) {
            return;
          }
          Thread.onSpinWait();
          continue;
        }
        reportOnce(pick, OUTCOMES[random.nextInt(OUTCOMES.length)], random);
      }
    }

    /**
     * Changes membership, weights and health until the deadline, logging when each server became
     * ineligible and eligible again, then makes every server present and healthy.
     */
    private void changeLoop() {
      SplittableRandom random = new SplittableRandom(7);
      // The changer's own view of the balancer: present ids and their health.
      HealthState[] health = new HealthState[SERVERS];
      boolean[] present = new boolean[SERVERS];
      for (int i = 0; i < SERVERS; i++) {
        present[i] = true;
        health[i] = HealthState.HEALTHY;
      }
      while (running()) {
        int i = random.nextInt(SERVERS);
        boolean eligible = present[i] && health[i] == HealthState.HEALTHY;
        int action = random.nextInt(6);
        if (!present[i]) {
          // Becomes eligible: log first, then change.
          endIneligible(i);
          balancer.addServer(server(i, 1 + random.nextInt(4)));
          present[i] = true;
          health[i] = HealthState.HEALTHY;
        } else if (action == 0) {
          balancer.removeServer(id(i));
          present[i] = false;
          if (eligible) {
            startIneligible(i);
          }
        } else if (action == 1 || action == 2) {
          HealthState next = HEALTHS[random.nextInt(HEALTHS.length)];
          boolean nextEligible = next == HealthState.HEALTHY;
          if (!eligible && nextEligible) {
            endIneligible(i);
          }
          balancer.setHealth(id(i), next);
          health[i] = next;
          if (eligible && !nextEligible) {
            startIneligible(i);
          }
        } else if (action == 3) {
          balancer.updateServer(server(i, 0.5 + random.nextInt(8) / 2.0));
        } else {
          // Replace the whole list in one change: drop one server, bring back any absent ones.
          int dropped = random.nextInt(SERVERS);
          List<Server> list = new ArrayList<>();
          List<Integer> becoming = new ArrayList<>();
          List<Integer> leaving = new ArrayList<>();
          for (int k = 0; k < SERVERS; k++) {
            boolean wasEligible = present[k] && health[k] == HealthState.HEALTHY;
            if (k == dropped) {
              if (wasEligible) {
                leaving.add(k);
              }
              continue;
            }
            list.add(server(k, 1 + random.nextInt(4)));
            if (!present[k]) {
              becoming.add(k);
            }
          }
          becoming.forEach(this::endIneligible);
          balancer.setServers(list);
          for (int k = 0; k < SERVERS; k++) {
            if (k == dropped) {
              present[k] = false;
            } else if (!present[k]) {
              present[k] = true;
              health[k] = HealthState.HEALTHY;
            }
          }
          leaving.forEach(this::startIneligible);
        }
        changes++;
        changesSoFar = changes;
        recordEndpoints();
      }
      // Everything present and healthy again, so that the final checks can pick anywhere.
      for (int i = 0; i < SERVERS; i++) {
        if (!present[i]) {
          endIneligible(i);
          balancer.addServer(server(i, 1));
        } else if (health[i] != HealthState.HEALTHY) {
          endIneligible(i);
          balancer.setHealth(id(i), HealthState.HEALTHY);
        }
        recordEndpoints();
      }
    }

    private void startIneligible(int server) {
      ineligible.get(server).add(new long[] {sequence.incrementAndGet(), Long.MAX_VALUE});
    }

    private void endIneligible(int server) {
      List<long[]> intervals = ineligible.get(server);
      long[] last = intervals.isEmpty() ? null : intervals.get(intervals.size() - 1);
      if (last != null && last[1] == Long.MAX_VALUE) {
        last[1] = sequence.incrementAndGet();
      }
    }

    /** Remembers the statistics of every endpoint a pick may use (only the changer changes). */
    private void recordEndpoints() {
      for (Endpoint e : balancer.eligibleEndpoints()) {
        endpointsSeen.putIfAbsent(e.stats, e);
      }
    }

    /** The picks that returned a server inside one of its ineligible intervals. */
    List<String> visibilityViolations() {
      List<String> violations = new ArrayList<>();
      for (int w = 0; w < PICKERS; w++) {
        for (int k = 0; k < logSize[w]; k++) {
          int server = logServer[w][k];
          long[] interval = intervalAt(ineligible.get(server), logBefore[w][k]);
          if (interval != null && logAfter[w][k] < interval[1]) {
            violations.add(
                id(server)
                    + " picked with sequence "
                    + logBefore[w][k]
                    + ".."
                    + logAfter[w][k]
                    + " while ineligible for "
                    + interval[0]
                    + ".."
                    + interval[1]);
          }
        }
      }
      return violations.size() > 10 ? violations.subList(0, 10) : violations;
    }

    /**
     * The last interval that started at or before {@code sequence}, if any (binary search: the
     * intervals are in the order of their starts, which are increasing sequence numbers).
     */
    private static long @Nullable [] intervalAt(List<long[]> intervals, long sequence) {
      int lo = 0;
      int hi = intervals.size();
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (intervals.get(mid)[0] <= sequence) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo == 0 ? null : intervals.get(lo - 1);
    }
  }
}
