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

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.AsynchronousSocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link HealthCheckers#tcp()} against real sockets on 127.0.0.1: a listening port, a closed one,
 * and one whose accept queue is full so that connecting hangs.
 */
@Timeout(10)
class TcpHealthCheckTest {
  private static final Duration WAIT = Duration.ofSeconds(3);

  @Test
  void listeningPortIsHealthyAndTheConnectionIsClosedAtOnce() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 50, LiveServers.LOOPBACK)) {
      Server server = Server.of("127.0.0.1", listener.getLocalPort());

      CompletableFuture<Boolean> check = HealthCheckers.tcp().check(server, Duration.ofSeconds(1));

      assertThat(check.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      // The check really connected, and hung up without sending anything.
      listener.setSoTimeout((int) WAIT.toMillis());
      try (Socket accepted = listener.accept()) {
        accepted.setSoTimeout((int) WAIT.toMillis());
        assertThat(accepted.getInputStream().read()).isEqualTo(-1);
      }
    }
  }

  @Test
  void closedPortIsUnhealthy() throws Exception {
    Server server = Server.of("127.0.0.1", LiveServers.closedPort());

    long start = System.nanoTime();
    CompletableFuture<Boolean> check = HealthCheckers.tcp().check(server, Duration.ofSeconds(1));

    Throwable error = failureOf(check);
    // Refused at once: a failure (an answer of false would do as well), not a timeout.
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
    if (error != null) {
      assertThat(error).isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void hangingConnectIsAbortedWhenTheBalancerTimesTheCheckOut() throws Exception {
    try (LiveServers.FullBacklog full = LiveServers.FullBacklog.create();
        AsynchronousSocketChannel control = AsynchronousSocketChannel.open()) {
      Duration timeout = Duration.ofMillis(200);
      // A connect nobody aborts, to show that the queue lets a waiting connect through once it
      // has room: the check's connect must not come through the same way.
      Future<Void> controlConnect =
          control.connect(new InetSocketAddress(LiveServers.LOOPBACK, full.port()));
      long start = System.nanoTime();

      // The balancer applies the timeout the same way (orTimeout on the checker's future).
      CompletableFuture<Boolean> check =
          HealthCheckers.tcp()
              .check(full.server(), timeout)
              .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
      Throwable error = failureOf(check);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(error).isInstanceOf(TimeoutException.class);
      assertThat(tookMillis).isBetween(timeout.toMillis() - 20, timeout.toMillis() + 1000);
      assertThat(controlConnect.isDone()).as("connecting really hangs").isFalse();

      // Make room in the queue. The kernel retransmits a pending SYN after about 1 s: the
      // control's connect then arrives; the check's would too, had the timeout not closed it.
      full.drain();
      int arrived = full.acceptWithin(Duration.ofMillis(2500));
      assertThat(arrived).as("the control connection arrives").isPositive();
      controlConnect.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(arrived).isEqualTo(((InetSocketAddress) control.getLocalAddress()).getPort());
      assertThat(full.acceptWithin(Duration.ofMillis(300)))
          .as("the timed-out check's connect was aborted, so it never arrives")
          .isEqualTo(-1);
    }
  }

  @Test
  @Timeout(30)
  void aSlowNameResolutionDelaysNeitherOtherChecksNorMaintenance() throws Exception {
    String slowName = "slow-dns.test";
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger slowLookups = new AtomicInteger();
    HealthChecker checker =
        HealthCheckers.tcp(
            host -> {
              if (!host.equals(slowName)) {
                throw new UnknownHostException(host);
              }
              // A DNS server that does not answer (for far longer than any wait below).
              slowLookups.incrementAndGet();
              try {
                release.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              throw new UnknownHostException(host + ": no answer");
            });
    try (LiveServers.TcpListener listener = LiveServers.TcpListener.start();
        LoadBalancer lb =
            LoadBalancer.builder()
                .name("slow-dns")
                .selector(Selectors.roundRobin())
                .servers(Server.of(slowName, listener.port()), listener.server())
                .healthCheck(
                    ActiveHealthCheck.builder(checker)
                        .interval(Duration.ofMillis(100))
                        .timeout(Duration.ofMillis(100))
                        .jitter(Duration.ZERO)
                        .unhealthyThreshold(2)
                        .build())
                .slowStart(SlowStart.of(Duration.ofMillis(300)))
                .build()) {
      LiveServers.await("a lookup of " + slowName, WAIT, () -> slowLookups.get() >= 1);

      // The other server's checks go on while the lookup hangs.
      int accepted = listener.accepted();
      LiveServers.await(
          () -> "more checks of the listener, had " + (listener.accepted() - accepted),
          Duration.ofSeconds(5),
          () -> listener.accepted() >= accepted + 5);

      // So does maintenance: a server added now ramps up under slow start and finishes.
      Server late = Server.builder("127.0.0.1", listener.port()).id("late").build();
      lb.addServer(late);
      assertThat(lb.health("late")).contains(HealthState.WARMING);
      LiveServers.await(
          () -> "the warm-up of late, was " + lb.status("late").orElseThrow(),
          Duration.ofSeconds(5),
          () -> lb.health("late").orElseThrow() == HealthState.HEALTHY);

      // And the server whose name does not resolve fails its checks by their timeout.
      LiveServers.await(
          () ->
              slowName + " to fail its checks, was " + lb.status(slowName + ":" + listener.port()),
          Duration.ofSeconds(5),
          () -> lb.health(slowName + ":" + listener.port()).orElseThrow() == HealthState.UNHEALTHY);
    } finally {
      release.countDown();
    }
  }

  @Test
  void balancerMarksAStoppedListenerUnhealthyAndAReopenedOneHealthy() throws Exception {
    try (LiveServers.TcpListener listener = LiveServers.TcpListener.start();
        LoadBalancer balancer = tcpBalancer("tcp-restart", listener.server())) {
      String id = listener.server().id();
      LiveServers.await("checks reach the listener", WAIT, () -> listener.accepted() >= 2);
      assertThat(balancer.health(id)).contains(HealthState.HEALTHY);

      listener.stop();
      LiveServers.await(
          () -> "unhealthy after stop: " + balancer.status(id),
          WAIT,
          () -> balancer.health(id).orElseThrow() == HealthState.UNHEALTHY);
      ServerStatus down = balancer.status(id).orElseThrow();
      assertThat(down.isActiveCheckFailing()).isTrue();
      assertThat(down.reason()).contains("2 health checks failed").contains("ConnectException");

      listener.reopen();
      LiveServers.await(
          () -> "healthy after reopening: " + balancer.status(id),
          WAIT,
          () -> balancer.health(id).orElseThrow() == HealthState.HEALTHY);
      assertThat(balancer.status(id).orElseThrow().isActiveCheckFailing()).isFalse();
      // A check passes once the kernel completes the handshake; the listener's accept thread may
      // count the connection later on a loaded machine, so wait for the count.
      LiveServers.await(
          () -> "the reopened listener accepted the checks: " + listener.accepted(),
          WAIT,
          () -> listener.accepted() >= 4);
    }
  }

  @Test
  void balancerMarksAHangingConnectUnhealthyByTimeout() throws Exception {
    try (LiveServers.FullBacklog full = LiveServers.FullBacklog.create();
        LoadBalancer balancer = tcpBalancer("tcp-hang", full.server())) {
      String id = full.server().id();
      Duration took =
          LiveServers.await(
              () -> "unhealthy: " + balancer.status(id),
              WAIT,
              () -> balancer.health(id).orElseThrow() == HealthState.UNHEALTHY);

      // Two checks, each given up after its 50 ms timeout, one interval apart: a single failure
      // (or a check that did not wait for its timeout) would be faster.
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(50 + 100 + 50 - 20));
      assertThat(balancer.status(id).orElseThrow().reason())
          .contains("2 health checks failed")
          .contains("timed out");
    }
  }

  private static LoadBalancer tcpBalancer(String name, Server server) {
    return LoadBalancer.builder()
        .name(name)
        .selector(Selectors.roundRobin())
        .servers(server)
        .healthCheck(
            ActiveHealthCheck.builder(HealthCheckers.tcp())
                .interval(Duration.ofMillis(100))
                .timeout(Duration.ofMillis(50))
                .jitter(Duration.ofMillis(10))
                .healthyThreshold(2)
                .unhealthyThreshold(2)
                .build())
        .build();
  }

  /**
   * Waits for the check to end and returns why it failed, or null if it answered false; a pass
   * fails the test.
   */
  private static @Nullable Throwable failureOf(CompletableFuture<Boolean> check) throws Exception {
    @Nullable Boolean passed;
    try {
      passed = check.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause;
    }
    assertThat(passed).as("a failed check").isNotEqualTo(true);
    return null;
  }
}
