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

import static io.lbkit.core.LiveServers.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The binding and the polling base with sources of the test's own: what a push source (a watch)
 * delivers reaches the balancer, what it cannot tell never empties it, backoff doubles up to the
 * refresh interval, and the polling thread lives exactly from start to close.
 */
class DiscoveryBindingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** A push source, as a watch would be: the test delivers by hand. */
  private static final class PushSource implements ServerSource {
    final AtomicReference<@Nullable Listener> listener = new AtomicReference<>();
    final AtomicInteger refreshes = new AtomicInteger();
    boolean closed;

    @Override
    public String name() {
      return "push";
    }

    @Override
    public Registration start(Listener l) {
      listener.set(l);
      return new Registration() {
        @Override
        public void refresh() {
          refreshes.incrementAndGet();
        }

        @Override
        public void close() {
          closed = true;
        }
      };
    }

    Listener l() {
      Listener l = listener.get();
      if (l == null) {
        throw new AssertionError("not started");
      }
      return l;
    }
  }

  @Test
  void aPushSourceKeepsTheMembershipAndNothingEmptiesIt() throws Exception {
    PushSource source = new PushSource();
    try (LoadBalancer balancer =
            LoadBalancer.builder().name("b").selector(Selectors.roundRobin()).build();
        DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source)) {
      assertThat(discovery.status().lastSuccess()).isEmpty();
      source.l().onServers(List.of(Server.of("10.0.0.1", 80), Server.of("10.0.0.2", 80)));
      assertThat(discovery.awaitServers(Duration.ZERO)).isTrue();
      assertThat(ids(balancer)).containsExactlyInAnyOrder("10.0.0.1:80", "10.0.0.2:80");
      assertThat(discovery.status().isHealthy()).isTrue();

      // An empty answer, an error, a list the balancer refuses: the last good list stays.
      source.l().onServers(List.of());
      source.l().onError(new IOException("watch broke"));
      source
          .l()
          .onServers(List.of(Server.of("10.0.0.3", 80), Server.of("10.0.0.3", 80))); // same id
      DiscoveryStatus status = discovery.status();
      assertThat(status.consecutiveFailures()).isEqualTo(3);
      assertThat(status.lastError().orElseThrow()).hasMessageContaining("10.0.0.3:80");
      assertThat(status.serverCount()).isEqualTo(2);
      assertThat(ids(balancer)).containsExactlyInAnyOrder("10.0.0.1:80", "10.0.0.2:80");

      source.l().onServers(List.of(Server.of("10.0.0.3", 80)));
      assertThat(ids(balancer)).containsExactly("10.0.0.3:80");
      assertThat(discovery.status().consecutiveFailures()).isZero();

      discovery.refresh();
      assertThat(source.refreshes).hasValue(1);
    }
    assertThat(source.closed).isTrue();
  }

  @Test
  void healthFromTheSourceIsAppliedWithTheListAndTheApplicationsOwnStands() throws Exception {
    PushSource source = new PushSource();
    Server a = Server.of("10.0.0.1", 80);
    Server b = Server.of("10.0.0.2", 80);
    Server c = Server.of("10.0.0.3", 80);
    List<String> eligibleSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (LoadBalancer balancer =
            LoadBalancer.builder()
                .name("h")
                .selector(Selectors.roundRobin())
                .snapshotListener(
                    snapshot ->
                        snapshot.endpoints().forEach(e -> eligibleSeen.add(e.server().id())))
                .build();
        DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source)) {
      // c arrives draining: no published state ever has it eligible.
      source
          .l()
          .onServers(
              List.of(a, b, c),
              java.util.Map.of(b.id(), HealthState.UNHEALTHY, c.id(), HealthState.DRAINING));
      assertThat(balancer.health(a.id())).contains(HealthState.HEALTHY);
      assertThat(balancer.health(b.id())).contains(HealthState.UNHEALTHY);
      assertThat(balancer.health(c.id())).contains(HealthState.DRAINING);
      assertThat(eligibleSeen).doesNotContain(b.id(), c.id());

      // The application drains a; the source, saying nothing new of a, leaves it drained.
      balancer.drain(a.id());
      source.l().onServers(List.of(a, b, c), java.util.Map.of(b.id(), HealthState.HEALTHY));
      assertThat(balancer.health(a.id())).contains(HealthState.DRAINING);
      assertThat(balancer.health(b.id())).contains(HealthState.HEALTHY);
      assertThat(balancer.health(c.id())).contains(HealthState.HEALTHY);

      // A health only the balancer sets is refused and the last good list stays.
      source.l().onServers(List.of(a), java.util.Map.of(a.id(), HealthState.EJECTED));
      assertThat(discovery.status().lastError().orElseThrow()).hasMessageContaining("EJECTED");
      assertThat(ids(balancer)).hasSize(3);
    }

    // A listener that cannot keep health gets the healthy servers only.
    List<Server> got = new java.util.ArrayList<>();
    ServerSource.Listener plain =
        new ServerSource.Listener() {
          @Override
          public void onServers(List<Server> servers) {
            got.addAll(servers);
          }

          @Override
          public void onError(Throwable error) {}
        };
    plain.onServers(List.of(a, b, c), java.util.Map.of(b.id(), HealthState.DRAINING));
    assertThat(got).containsExactly(a, c);
  }

  @Test
  void backoffDoublesFromTheInitialDelayUpToTheRefreshInterval() {
    long ms = 1_000_000L;
    assertThat(PollingServerSource.delayNanos(0, 50 * ms, 1000 * ms)).isEqualTo(1000 * ms);
    assertThat(PollingServerSource.delayNanos(1, 50 * ms, 1000 * ms)).isEqualTo(50 * ms);
    assertThat(PollingServerSource.delayNanos(2, 50 * ms, 1000 * ms)).isEqualTo(100 * ms);
    assertThat(PollingServerSource.delayNanos(5, 50 * ms, 1000 * ms)).isEqualTo(800 * ms);
    assertThat(PollingServerSource.delayNanos(6, 50 * ms, 1000 * ms)).isEqualTo(1000 * ms);
    assertThat(PollingServerSource.delayNanos(Integer.MAX_VALUE, 50 * ms, 1000 * ms))
        .isEqualTo(1000 * ms);
    long day = Duration.ofDays(1).toNanos();
    assertThat(PollingServerSource.delayNanos(Integer.MAX_VALUE, day, day)).isEqualTo(day);
  }

  @Test
  void aPolledSourceRunsOnItsOwnDaemonThreadFromStartToClose() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    PollingServerSource source =
        new PollingServerSource("thread-probe", Duration.ofMillis(10), Duration.ofMillis(10)) {
          @Override
          protected List<Server> poll() throws IOException {
            if (polls.incrementAndGet() % 2 == 0) {
              throw new IOException("every other poll fails");
            }
            return List.of(Server.of("10.0.0.1", 80));
          }
        };
    assertThat(threads("lbkit-discovery-thread-probe")).isEmpty(); // nothing before start
    try (LoadBalancer balancer =
        LoadBalancer.builder().name("t").selector(Selectors.roundRobin()).build()) {
      DiscoveryBinding discovery = DiscoveryBinding.start(balancer, source);
      await("several polls", WAIT, () -> polls.get() >= 6);
      assertThat(threads("lbkit-discovery-thread-probe")).isNotEmpty().allMatch(Thread::isDaemon);
      discovery.close();
      await(
          "the polling thread to end",
          WAIT,
          () -> threads("lbkit-discovery-thread-probe").isEmpty());
      int after = polls.get();
      LiveServers.sleep(Duration.ofMillis(100));
      assertThat(polls.get()).isEqualTo(after);
      assertThat(ids(balancer)).containsExactly("10.0.0.1:80");
    }
  }

  @Test
  void aRefreshAskedDuringAPollIsNotLost() throws Exception {
    java.util.concurrent.CountDownLatch inPoll = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger polls = new AtomicInteger();
    // Refreshes an hour apart: a second poll within the test can only be the refresh asked for.
    PollingServerSource source =
        new PollingServerSource("refresh-probe", Duration.ofHours(1), Duration.ofHours(1)) {
          @Override
          protected List<Server> poll() throws InterruptedException {
            if (polls.incrementAndGet() == 1) {
              inPoll.countDown();
              release.await();
            }
            return List.of(Server.of("10.0.0.1", 80));
          }
        };
    ServerSource.Registration registration =
        source.start(
            new ServerSource.Listener() {
              @Override
              public void onServers(List<Server> servers) {}

              @Override
              public void onError(Throwable error) {}
            });
    try {
      assertThat(inPoll.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      registration.refresh(); // asked while the first poll runs
      release.countDown();
      await("the refresh's poll", WAIT, () -> polls.get() >= 2);
    } finally {
      registration.close();
    }
  }

  @Test
  @SuppressWarnings("NullAway") // deliberately passing nulls
  void badConfigurationIsRefusedNamingTheValue() {
    assertThatThrownBy(() -> DnsServerSource.forHost(" ", 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host must not be blank but was ' '");
    assertThatThrownBy(() -> DnsServerSource.forHost("svc.test", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port must be in 1..65535 but was 0");
    assertThatThrownBy(() -> DnsServerSource.forHost("svc.test", 65536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("65536");
    assertThatThrownBy(() -> DnsServerSource.forHost("http://svc.test", 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'http://svc.test'");
    assertThatThrownBy(() -> DnsServerSource.forSrv(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SRV name must not be blank");
    assertThatThrownBy(() -> DnsServerSource.forSrv(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("SRV name");
    DnsServerSource.Builder b = DnsServerSource.forSrv("_http._tcp.svc.test");
    assertThatThrownBy(() -> b.refreshInterval(Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refreshInterval must be in [PT0.01S, PT24H] but was PT0.001S");
    assertThatThrownBy(() -> b.refreshInterval(Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refreshInterval");
    assertThatThrownBy(() -> b.initialBackoff(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initialBackoff must be in");
    assertThatThrownBy(() -> b.lookupTimeout(Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lookupTimeout must be in [PT0.01S, PT1M] but was PT1H");
    assertThatThrownBy(() -> b.dnsServer("dns.example:53"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'dns.example:53'");
    assertThatThrownBy(() -> b.dnsServer("127.0.0.1:99999"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("127.0.0.1:99999");
    assertThatThrownBy(() -> b.weight(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SRV source");
    assertThatThrownBy(() -> DnsServerSource.forHost("svc.test", 80).weight(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> b.zone(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zone must not be blank");
    assertThatThrownBy(
            () ->
                new PollingServerSource("", Duration.ofSeconds(1), Duration.ofSeconds(1)) {
                  @Override
                  protected List<Server> poll() {
                    return List.of();
                  }
                })
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("source name must not be blank");
    assertThatThrownBy(() -> DiscoveryBinding.start(null, new PushSource()))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("balancer");
  }

  @Test
  void srvRecordsFollowRfc2782() {
    SrvRecord a = SrvRecord.parse("0 10 8001 a.test.");
    assertThat(a.target()).isEqualTo("a.test");
    assertThat(a.isUsable()).isTrue();
    assertThat(SrvRecord.parse("0 0 1 .").isUsable()).isFalse();
    assertThat(SrvRecord.of(0, 5, 0, "b.test").isUsable()).isFalse();
    assertThat(SrvRecord.of(0, 0, 80, "b.test").serverWeight()).isEqualTo(1.0);
    List<SrvRecord> records =
        List.of(
            SrvRecord.parse("1 5 8003 c.test."),
            SrvRecord.parse("0 0 1 ."),
            a,
            SrvRecord.parse("0 20 8002 b.test."));
    assertThat(SrvRecord.preferred(records))
        .containsExactly(a, SrvRecord.parse("0 20 8002 b.test"));
    assertThatThrownBy(() -> SrvRecord.parse("0 10 a.test."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed SRV record '0 10 a.test.'");
    assertThatThrownBy(() -> SrvRecord.parse("0 70000 80 a.test."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SRV weight must be in 0..65535 but was 70000");
  }

  private static Set<String> ids(LoadBalancer balancer) {
    return balancer.servers().stream().map(Server::id).collect(Collectors.toSet());
  }

  private static List<Thread> threads(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name) && t.isAlive())
        .collect(Collectors.toList());
  }
}
