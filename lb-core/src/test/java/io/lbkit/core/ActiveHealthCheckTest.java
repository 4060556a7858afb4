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

import io.lbkit.core.LiveServers.Http.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ActiveHealthCheck} in a {@link LoadBalancer} on real time: real HTTP backends on 127.0.0.1
 * that start failing, hang, stop and come back, and hand-driven checkers that show the check chain
 * itself (one check in flight per server, stopping on removal and close, surviving broken
 * checkers).
 */
@Timeout(30)
class ActiveHealthCheckTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);

  /**
   * The check timeout against the real backends. A loopback check usually takes a few ms, but on a
   * busy 2-core machine one in a hundred took over 45 ms (the slowest 110 ms): with a 50 ms timeout
   * healthy backends failed checks now and then and the tests flaked.
   */
  private static final Duration CHECK_TIMEOUT = Duration.ofMillis(100);

  private static final Duration JITTER = Duration.ofMillis(10);
  private static final int THRESHOLD = 2;

  /**
   * The longest a transition may take: {@code THRESHOLD} checks of {@code interval + jitter +
   * timeout} each, plus slack for the check already in flight when the backend changed (it may
   * still see the old answer) and for a busy machine: with the build's other forks on both cores of
   * a 2-core machine, a transition took 1.29 s, so the slack is 2 s. The count of answers (not this
   * bound) is what shows that it took the threshold's number of checks.
   */
  private static final Duration TRANSITION =
      INTERVAL.plus(JITTER).plus(CHECK_TIMEOUT).multipliedBy(THRESHOLD).plusMillis(2_000);

  private static final Duration WAIT = Duration.ofSeconds(6);
  private static final int PICKS = 300;

  @BeforeAll
  static void warmUp() throws Exception {
    LiveServers.warmUpHttp();
  }

  // ---------------------------------------------------------------------------------------------
  // Real HTTP backends

  @Test
  void backendAnswering500IsTakenOutAndComesBackWhenItAnswers200() throws Exception {
    Recorder events = new Recorder();
    try (LiveServers.Http a = LiveServers.Http.start();
        LiveServers.Http b = LiveServers.Http.start();
        LiveServers.Http c = LiveServers.Http.start();
        LoadBalancer balancer = httpBalancer("http-500", events, a, b, c)) {
      String id = b.server().id();
      awaitChecked(balancer, a, b, c);
      assertThat(picks(balancer)).containsOnlyKeys(ids(a, b, c));

      b.answer(Mode.ERROR);
      Duration down = awaitState(balancer, id, HealthState.UNHEALTHY);

      // Two failed checks in a row made it unhealthy, not one.
      assertThat(down).isLessThanOrEqualTo(TRANSITION);
      assertThat(b.answered(500)).isGreaterThanOrEqualTo(THRESHOLD);
      ServerStatus status = balancer.status(id).orElseThrow();
      assertThat(status.isActiveCheckFailing()).isTrue();
      assertThat(status.isEligible()).isFalse();
      assertThat(status.applicationState()).isEqualTo(HealthState.HEALTHY);
      assertThat(status.reason()).isEqualTo("2 health checks failed (last: unhealthy answer)");
      assertThat(balancer.isPanicMode()).isFalse();
      Map<String, Integer> whileDown = picks(balancer);
      assertThat(whileDown).containsOnlyKeys(ids(a, c));
      assertThat(whileDown.values()).allSatisfy(n -> assertThat(n).isGreaterThan(PICKS / 4));

      int oksBefore = b.answered(200);
      b.answer(Mode.OK);
      Duration up = awaitState(balancer, id, HealthState.HEALTHY);

      assertThat(up).isLessThanOrEqualTo(TRANSITION);
      assertThat(b.answered(200) - oksBefore).isGreaterThanOrEqualTo(THRESHOLD);
      ServerStatus back = balancer.status(id).orElseThrow();
      assertThat(back.isActiveCheckFailing()).isFalse();
      assertThat(back.reason()).isEqualTo("2 health checks passed");
      Map<String, Integer> afterwards = picks(balancer);
      assertThat(afterwards).containsOnlyKeys(ids(a, b, c));
      assertThat(afterwards.get(id)).isGreaterThan(PICKS / 6);

      assertThat(events.transitions(id, 2))
          .containsExactly(
              id + " HEALTHY -> UNHEALTHY: 2 health checks failed (last: unhealthy answer)",
              id + " UNHEALTHY -> HEALTHY: 2 health checks passed");
    }
  }

  @Test
  void stoppedBackendIsTakenOutAndComesBackWhenRestartedOnTheSamePort() throws Exception {
    Recorder events = new Recorder();
    try (LiveServers.Http a = LiveServers.Http.start();
        LiveServers.Http b = LiveServers.Http.start();
        LiveServers.Http c = LiveServers.Http.start();
        LoadBalancer balancer = httpBalancer("http-restart", events, a, b, c)) {
      String id = b.server().id();
      awaitChecked(balancer, a, b, c);

      b.stop();
      Duration down = awaitState(balancer, id, HealthState.UNHEALTHY);

      assertThat(down).isLessThanOrEqualTo(TRANSITION);
      ServerStatus status = balancer.status(id).orElseThrow();
      assertThat(status.isActiveCheckFailing()).isTrue();
      // By the second failed check the kept-alive connection is gone: the connect is refused.
      assertThat(status.reason())
          .startsWith("2 health checks failed (last: ")
          .contains("ConnectException");
      assertThat(picks(balancer)).containsOnlyKeys(ids(a, c));

      int oksBefore = b.answered(200);
      b.restart();
      assertThat(b.server()).isEqualTo(Server.of("127.0.0.1", b.port()));
      Duration up = awaitState(balancer, id, HealthState.HEALTHY);

      assertThat(up).isLessThanOrEqualTo(TRANSITION);
      assertThat(b.answered(200) - oksBefore).isGreaterThanOrEqualTo(THRESHOLD);
      assertThat(balancer.status(id).orElseThrow().isActiveCheckFailing()).isFalse();
      Map<String, Integer> afterwards = picks(balancer);
      assertThat(afterwards).containsOnlyKeys(ids(a, b, c));
      assertThat(afterwards.get(id)).isGreaterThan(PICKS / 6);

      List<String> transitions = events.transitions(id, 2);
      assertThat(transitions.get(0))
          .startsWith(id + " HEALTHY -> UNHEALTHY: 2 health checks failed (last: ")
          .contains("ConnectException");
      assertThat(transitions.get(1))
          .isEqualTo(id + " UNHEALTHY -> HEALTHY: 2 health checks passed");
    }
  }

  @Test
  void hangingBackendIsTakenOutByTheTimeout() throws Exception {
    Recorder events = new Recorder();
    try (LiveServers.Http a = LiveServers.Http.start();
        LiveServers.Http b = LiveServers.Http.start();
        LiveServers.Http c = LiveServers.Http.start();
        LoadBalancer balancer = httpBalancer("http-hang", events, a, b, c)) {
      String id = b.server().id();
      awaitChecked(balancer, a, b, c);

      b.answer(Mode.HANG);
      Duration down = awaitState(balancer, id, HealthState.UNHEALTHY);

      assertThat(down).isLessThanOrEqualTo(TRANSITION);
      // The last failed check was a hang (an earlier one may be a check that a busy machine made
      // time out).
      assertThat(b.hung()).isPositive();
      assertThat(balancer.status(id).orElseThrow().reason())
          .startsWith("2 health checks failed (last: ")
          .contains("timed out");
      assertThat(picks(balancer)).containsOnlyKeys(ids(a, c));

      b.answer(Mode.OK);
      assertThat(awaitState(balancer, id, HealthState.HEALTHY)).isLessThanOrEqualTo(TRANSITION);
      assertThat(picks(balancer)).containsOnlyKeys(ids(a, b, c));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The check chain, with a checker whose futures the test completes

  @Test
  void neverMoreThanOneCheckInFlightPerServer() {
    ManualChecker checker = new ManualChecker(Behaviour.HOLD);
    Duration interval = Duration.ofMillis(60);
    try (LoadBalancer balancer =
        manualBalancer("one-in-flight", checker, interval, interval, "a", "b", "c")) {
      // For about 15 intervals: a's checks pass soon, b's fail a little later, c's are never
      // answered (the balancer times them out).
      long end = System.nanoTime() + interval.multipliedBy(15).toNanos();
      for (int round = 0; System.nanoTime() - end < 0; round++) {
        checker.completePending("a", true);
        if (round % 2 == 0) {
          checker.completePending("b", false);
        }
        LiveServers.sleep(Duration.ofMillis(5));
      }

      for (String id : List.of("a", "b", "c")) {
        assertThat(checker.calls(id)).as("checks of %s", id).isGreaterThanOrEqualTo(5);
        assertThat(checker.maxInFlight(id)).as("most checks of %s in flight", id).isEqualTo(1);
      }
      // The next check starts an interval after the previous one ended, never earlier.
      assertThat(checker.shortestGapNanos("a"))
          .isGreaterThanOrEqualTo(interval.toNanos() - TimeUnit.MILLISECONDS.toNanos(2));
      assertThat(balancer.health(id("a"))).contains(HealthState.HEALTHY);
      assertThat(balancer.status(id("b")).orElseThrow().reason())
          .isEqualTo("2 health checks failed (last: unhealthy answer)");
      assertThat(balancer.status(id("c")).orElseThrow().reason())
          .isEqualTo("2 health checks failed (last: timed out)");
      List<CompletableFuture<Boolean>> ofC = checker.futures("c");
      assertThat(ofC.subList(0, ofC.size() - 1))
          .as("every earlier check of c was timed out")
          .allSatisfy(
              f ->
                  assertThat(f)
                      .failsWithin(Duration.ZERO)
                      .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                      .withCauseInstanceOf(TimeoutException.class));
    }
  }

  @Test
  void checksOfARemovedServerStop() {
    ManualChecker checker = new ManualChecker(Behaviour.PASS);
    checker.set("b", Behaviour.HOLD);
    Duration interval = Duration.ofMillis(60);
    try (LoadBalancer balancer =
        manualBalancer("remove", checker, interval, interval, "a", "b", "c")) {
      // Removed while its check is in flight: the chain must end when that check completes.
      LiveServers.await("a check of b in flight", WAIT, () -> checker.pending("b") == 1);
      assertThat(balancer.removeServer(id("b"))).isTrue();
      int callsOfB = checker.calls("b");
      checker.completePending("b", true);
      // Removed between two checks: the scheduled check must not run. A check already past its
      // membership test when removeServer returned may still call the checker; 30 ms covers it.
      LiveServers.await("a checked", WAIT, () -> checker.calls("a") >= 2);
      assertThat(balancer.removeServer(id("a"))).isTrue();
      LiveServers.sleep(Duration.ofMillis(30));
      int callsOfA = checker.calls("a");

      int callsOfC = checker.calls("c");
      LiveServers.await(
          "c checked five more times", WAIT, () -> checker.calls("c") >= callsOfC + 5);
      assertThat(checker.calls("b")).isEqualTo(callsOfB);
      assertThat(checker.calls("a")).isEqualTo(callsOfA);

      // Added again, the server gets a new chain (only one).
      checker.set("b", Behaviour.PASS);
      balancer.addServer(server("b"));
      LiveServers.await("b checked again", WAIT, () -> checker.calls("b") >= callsOfB + 3);
      assertThat(checker.maxInFlight("b")).isEqualTo(1);
    }
  }

  @Test
  void closeStopsChecksInFlightAndEndsTheBalancersThread() {
    ManualChecker checker = new ManualChecker(Behaviour.HOLD);
    // A timeout as long as the interval, and first checks spread over one interval, guarantee a
    // moment when every server's first check is in flight (the last one starts before the first
    // one times out), however slowly the machine schedules them.
    Duration interval = Duration.ofSeconds(1);
    String threadPrefix = "lbkit-close-in-flight-";
    LoadBalancer balancer =
        manualBalancer("close-in-flight", checker, interval, interval, "a", "b", "c");
    try (balancer) {
      assertThat(balancer.servers()).hasSize(3);
      LiveServers.await(
          "a check of every server in flight",
          WAIT,
          () -> checker.pending("a") + checker.pending("b") + checker.pending("c") == 3);
      assertThat(LiveServers.threadsNamed(threadPrefix)).isNotEmpty();
    }
    int calls = checker.totalCalls();
    // Checks that complete after close() (passed, failed or timed out) schedule no further ones.
    checker.completePending("a", true);
    checker.completePending("b", false);
    // c's check times out within an interval; any next check would come an interval later.
    LiveServers.sleep(interval.multipliedBy(3).plusMillis(50));

    assertThat(checker.totalCalls()).isEqualTo(calls);
    LiveServers.await(
        () -> "the balancer's threads end: " + LiveServers.threadsNamed(threadPrefix),
        Duration.ofSeconds(1),
        () -> LiveServers.threadsNamed(threadPrefix).isEmpty());
  }

  @Test
  void closeStopsScheduledChecksAndEndsTheBalancersThread() {
    ManualChecker checker = new ManualChecker(Behaviour.PASS);
    Duration interval = Duration.ofMillis(20);
    String threadPrefix = "lbkit-close-idle-";
    LoadBalancer balancer = manualBalancer("close-idle", checker, interval, interval, "a", "b");
    try (balancer) {
      LiveServers.await(
          "checks run", WAIT, () -> checker.calls("a") >= 3 && checker.calls("b") >= 3);
      assertThat(LiveServers.threadsNamed(threadPrefix)).isNotEmpty();
    }
    // A check already running when close() was called may still reach the checker; 30 ms covers
    // it. After that, nothing.
    LiveServers.sleep(Duration.ofMillis(30));
    int calls = checker.totalCalls();
    LiveServers.sleep(interval.multipliedBy(10));

    assertThat(checker.totalCalls()).isEqualTo(calls);
    LiveServers.await(
        () -> "the balancer's threads end: " + LiveServers.threadsNamed(threadPrefix),
        Duration.ofSeconds(1),
        () -> LiveServers.threadsNamed(threadPrefix).isEmpty());
  }

  @Test
  void userSchedulerRunsTheChecksAndIsNotShutDownByClose() throws Exception {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "user-scheduler");
              t.setDaemon(true);
              return t;
            });
    try {
      ManualChecker checker = new ManualChecker(Behaviour.PASS);
      Duration interval = Duration.ofMillis(20);
      try (LoadBalancer balancer =
          LoadBalancer.builder()
              .name("user-scheduler-lb")
              .selector(Selectors.roundRobin())
              .servers(server("a"), server("b"))
              .scheduler(scheduler)
              .healthCheck(check(checker, interval, interval))
              .build()) {
        LiveServers.await(
            "checks run", WAIT, () -> checker.calls("a") >= 3 && checker.calls("b") >= 3);
        assertThat(balancer.health(id("a"))).contains(HealthState.HEALTHY);
        assertThat(checker.threads()).containsOnly("user-scheduler");
        assertThat(LiveServers.threadsNamed("lbkit-user-scheduler-lb")).isEmpty();
      }
      LiveServers.sleep(Duration.ofMillis(30));
      int calls = checker.totalCalls();
      LiveServers.sleep(interval.multipliedBy(10));

      assertThat(checker.totalCalls()).as("no checks after close").isEqualTo(calls);
      assertThat(scheduler.isShutdown()).isFalse();
      assertThat(
              scheduler
                  .schedule(() -> "still running", 1, TimeUnit.MILLISECONDS)
                  .get(1, TimeUnit.SECONDS))
          .isEqualTo("still running");
    } finally {
      scheduler.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Behaviour.class,
      names = {"THROW", "THROW_ERROR", "RETURN_NULL", "HOLD"})
  void brokenCheckerCountsAsAFailedCheckAndTheChainContinues(Behaviour broken) {
    ManualChecker checker = new ManualChecker(Behaviour.PASS);
    checker.set("b", broken);
    Duration interval = Duration.ofMillis(40);
    Recorder events = new Recorder();
    try (LoadBalancer balancer =
        LoadBalancer.builder()
            .name("broken-" + broken)
            .selector(Selectors.roundRobin())
            .servers(server("a"), server("b"), server("c"))
            .listener(events)
            .healthCheck(check(checker, interval, interval))
            .build()) {
      String id = id("b");
      awaitState(balancer, id, HealthState.UNHEALTHY);
      String reason = balancer.status(id).orElseThrow().reason();
      assertThat(reason).startsWith("2 health checks failed (last: ").contains(broken.cause);

      // The chain goes on after the failures: more checks come, and a fixed checker brings the
      // server back.
      int calls = checker.calls("b");
      LiveServers.await("more checks of b", WAIT, () -> checker.calls("b") >= calls + 2);
      checker.set("b", Behaviour.PASS);
      awaitState(balancer, id, HealthState.HEALTHY);
      assertThat(checker.maxInFlight("b")).isEqualTo(1);
      assertThat(events.transitions(id, 2))
          .containsExactly(
              id + " HEALTHY -> UNHEALTHY: " + reason,
              id + " UNHEALTHY -> HEALTHY: 2 health checks passed");
    }
  }

  @Test
  void anUnexpectedFailureBetweenTwoChecksIsLoggedAndTheChecksGoOn() throws Exception {
    // A random source that fails once it has chosen the first check's delay: the draw of the next
    // check's jitter fails, between two checks of the chain.
    AtomicInteger draws = new AtomicInteger();
    RandomGenerator failing =
        new RandomGenerator() {
          @Override
          public long nextLong() {
            return ThreadLocalRandom.current().nextLong();
          }

          @Override
          public long nextLong(long bound) {
            if (draws.incrementAndGet() > 1) {
              throw new IllegalStateException("random source broken");
            }
            return ThreadLocalRandom.current().nextLong(bound);
          }
        };
    try (LiveServers.Http backend = LiveServers.Http.start();
        LoadBalancer balancer =
            LoadBalancer.builder()
                .name("broken-random")
                .selector(Selectors.roundRobin())
                .servers(backend.server())
                .random(failing)
                .healthCheck(
                    ActiveHealthCheck.builder(HealthCheckers.http("/health"))
                        .interval(INTERVAL)
                        .timeout(CHECK_TIMEOUT)
                        .jitter(JITTER)
                        .build())
                .build()) {
      LiveServers.await(
          () -> "more checks, had " + backend.requests().size(),
          WAIT,
          () -> backend.requests().size() >= 4);
      assertThat(draws.get()).isGreaterThan(1);
      assertThat(balancer.health(backend.server().id())).contains(HealthState.HEALTHY);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static LoadBalancer httpBalancer(
      String name, Recorder events, LiveServers.Http... backends) {
    List<Server> servers = new ArrayList<>();
    for (LiveServers.Http h : backends) {
      servers.add(h.server());
    }
    return LoadBalancer.builder()
        .name(name)
        .selector(Selectors.roundRobin())
        .servers(servers)
        .listener(events)
        .healthCheck(
            ActiveHealthCheck.builder(HealthCheckers.http("/health"))
                .interval(INTERVAL)
                .timeout(CHECK_TIMEOUT)
                .jitter(JITTER)
                .healthyThreshold(THRESHOLD)
                .unhealthyThreshold(THRESHOLD)
                .build())
        .build();
  }

  private static LoadBalancer manualBalancer(
      String name, HealthChecker checker, Duration interval, Duration timeout, String... names) {
    List<Server> servers = new ArrayList<>();
    for (String n : names) {
      servers.add(server(n));
    }
    return LoadBalancer.builder()
        .name(name)
        .selector(Selectors.roundRobin())
        .servers(servers)
        .healthCheck(check(checker, interval, timeout))
        .build();
  }

  private static ActiveHealthCheck check(
      HealthChecker checker, Duration interval, Duration timeout) {
    return ActiveHealthCheck.builder(checker)
        .interval(interval)
        .timeout(timeout)
        .jitter(Duration.ofMillis(5))
        .healthyThreshold(THRESHOLD)
        .unhealthyThreshold(THRESHOLD)
        .build();
  }

  /** A server the hand-driven checker stands for; nothing ever connects to it. */
  private static Server server(String name) {
    return Server.builder("127.0.0.1", 1).id(name).build();
  }

  private static String id(String name) {
    return server(name).id();
  }

  private static String[] ids(LiveServers.Http... backends) {
    String[] out = new String[backends.length];
    for (int i = 0; i < backends.length; i++) {
      out[i] = backends[i].server().id();
    }
    return out;
  }

  /**
   * Waits until every backend has passed a few checks and is healthy: the chains run, and a check
   * that a busy machine made time out has been made good.
   */
  private static void awaitChecked(LoadBalancer balancer, LiveServers.Http... backends) {
    for (LiveServers.Http h : backends) {
      LiveServers.await("checks of " + h.server().id(), WAIT, () -> h.answered(200) >= 2);
      awaitState(balancer, h.server().id(), HealthState.HEALTHY);
    }
  }

  private static Duration awaitState(LoadBalancer balancer, String id, HealthState state) {
    return LiveServers.await(
        () -> id + " " + state + ": " + balancer.status(id),
        WAIT,
        () -> balancer.health(id).orElseThrow() == state);
  }

  /** Picks {@link #PICKS} times and counts the picks per server id. */
  private static Map<String, Integer> picks(LoadBalancer balancer) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < PICKS; i++) {
      try (Pick pick = balancer.pick()) {
        counts.merge(pick.server().id(), 1, Integer::sum);
        pick.success();
      }
    }
    return counts;
  }

  /** Records state changes as {@code "id FROM -> TO: reason"}. */
  private static final class Recorder implements HealthListener {
    private final List<String> transitions = new CopyOnWriteArrayList<>();

    @Override
    public void onStateChange(Server server, HealthState from, HealthState to, String reason) {
      transitions.add(server.id() + " " + from + " -> " + to + ": " + reason);
    }

    /**
     * Waits for {@code count} transitions of this server and returns them. The balancer tells its
     * listeners right after it publishes a change, so a test that saw the new state may be a moment
     * ahead of the listener.
     */
    List<String> transitions(String id, int count) {
      LiveServers.await(
          () -> count + " transitions of " + id + ": " + transitions,
          WAIT,
          () -> ofServer(id).size() >= count);
      return ofServer(id);
    }

    private List<String> ofServer(String id) {
      return transitions.stream().filter(t -> t.startsWith(id + " ")).toList();
    }
  }

  /** What the hand-driven checker does when called for a server. */
  enum Behaviour {
    PASS(""),
    /** Returns a future that only the test completes (or the balancer times out). */
    HOLD("timed out"),
    THROW("IllegalStateException: checker broke"),
    /** An Error, as a checker whose client library is missing a class would throw. */
    THROW_ERROR("NoClassDefFoundError: some/missing/ClientClass"),
    RETURN_NULL("NullPointerException");

    final String cause;

    Behaviour(String cause) {
      this.cause = cause;
    }
  }

  /**
   * A checker driven by the test: per server it passes, throws, returns null, or hands out a future
   * that the test completes; it records every call and how many of its checks were in flight.
   */
  static final class ManualChecker implements HealthChecker {
    private final Behaviour initial;
    private final ConcurrentMap<String, Behaviour> behaviour = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, List<CompletableFuture<Boolean>>> futures =
        new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Integer> maxInFlight = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, List<long[]>> spans = new ConcurrentHashMap<>();

    /** The span of each check, by the identity of its future; guarded by itself. */
    private final IdentityHashMap<CompletableFuture<Boolean>, long[]> ends =
        new IdentityHashMap<>();

    private final List<String> threads = new CopyOnWriteArrayList<>();

    ManualChecker(Behaviour initial) {
      this.initial = initial;
    }

    void set(String name, Behaviour b) {
      behaviour.put(id(name), b);
    }

    @Override
    public CompletableFuture<Boolean> check(Server server, Duration timeout) {
      String id = server.id();
      calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      threads.add(Thread.currentThread().getName());
      Behaviour b = behaviour.getOrDefault(id, initial);
      switch (b) {
        case THROW -> throw new IllegalStateException("checker broke");
        case THROW_ERROR -> throw new NoClassDefFoundError("some/missing/ClientClass");
        case RETURN_NULL -> {
          return nullFuture();
        }
        default -> {}
      }
      int now = inFlight.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      maxInFlight.merge(id, now, Math::max);
      long[] span = {System.nanoTime(), 0};
      spans.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(span);
      CompletableFuture<Boolean> f = new CompletableFuture<>();
      // The end of a check is stamped before its future completes (see complete), since the
      // balancer may react to the completion, and schedule the next check, before this thread
      // runs again; a completion the test does not make (a timeout) is stamped here.
      CompletableFuture<Boolean> unused =
          f.whenComplete(
              (ok, e) -> {
                if (span[1] == 0) {
                  span[1] = System.nanoTime();
                }
                inFlight.get(id).decrementAndGet();
              });
      futures.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(f);
      synchronized (ends) {
        ends.put(f, span);
      }
      if (b == Behaviour.PASS) {
        complete(f, true);
      }
      return f;
    }

    @SuppressWarnings("NullAway") // the point: a broken checker that returns null
    private static CompletableFuture<Boolean> nullFuture() {
      return null;
    }

    void completePending(String name, boolean healthy) {
      for (CompletableFuture<Boolean> f : futures(name)) {
        complete(f, healthy);
      }
    }

    /** Stamps the check's end, then completes it (once). */
    private void complete(CompletableFuture<Boolean> f, boolean healthy) {
      long[] span;
      synchronized (ends) {
        span = ends.get(f);
      }
      if (!f.isDone() && span != null && span[1] == 0) {
        span[1] = System.nanoTime();
      }
      f.complete(healthy);
    }

    int pending(String name) {
      return (int) futures(name).stream().filter(f -> !f.isDone()).count();
    }

    List<CompletableFuture<Boolean>> futures(String name) {
      return List.copyOf(futures.getOrDefault(id(name), List.of()));
    }

    int calls(String name) {
      AtomicInteger n = calls.get(id(name));
      return n == null ? 0 : n.get();
    }

    int totalCalls() {
      return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    int maxInFlight(String name) {
      return maxInFlight.getOrDefault(id(name), 0);
    }

    /** The shortest time between the end of one check of the server and the start of the next. */
    long shortestGapNanos(String name) {
      List<long[]> s = spans.getOrDefault(id(name), List.of());
      long shortest = Long.MAX_VALUE;
      for (int i = 1; i < s.size(); i++) {
        shortest = Math.min(shortest, s.get(i)[0] - s.get(i - 1)[1]);
      }
      return shortest;
    }

    List<String> threads() {
      return List.copyOf(threads);
    }
  }
}
