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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A balancer that the application drops without {@link LoadBalancer#close()} must not keep its
 * scheduler thread alive: the thread must not keep the balancer reachable, and once the balancer is
 * collected the thread ends.
 */
@Timeout(120)
class AbandonedBalancerTest {
  private static final int BALANCERS = 50;

  /** Generous: a collection and then a maintenance tick (50 ms here) per balancer. */
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void theThreadsOfBalancersDroppedWithoutCloseEnd() throws Exception {
    try (LiveServers.TcpListener listener = LiveServers.TcpListener.start();
        LoadBalancer kept = balancer("kept", listener)) {
      // Never read: it only keeps the balancers strongly reachable until clear() drops them.
      @SuppressWarnings("ModifiedButNotUsed")
      List<LoadBalancer> inUse = new ArrayList<>();
      for (int i = 0; i < BALANCERS; i++) {
        inUse.add(buildAndUse(listener, i));
      }
      assertThat(LiveServers.threadsNamed("lbkit-abandoned-")).hasSize(BALANCERS);
      // Their health checks run: the chains are live when the balancers are dropped.
      LiveServers.await(
          "health checks of the balancers", WAIT, () -> listener.accepted() >= 2 * BALANCERS);

      // Dropped without close(): the list held the only references.
      inUse.clear();
      LiveServers.await(
          () ->
              "the dropped balancers' threads to end, still "
                  + LiveServers.threadsNamed("lbkit-abandoned-").size(),
          WAIT,
          () -> {
            System.gc();
            return LiveServers.threadsNamed("lbkit-abandoned-").isEmpty();
          });

      // A balancer still in use keeps its thread, and its checks go on: the test is not vacuous.
      assertThat(LiveServers.threadsNamed("lbkit-kept-")).hasSize(1);
      assertThat(kept.health(listener.server().id())).contains(HealthState.HEALTHY);
    }
  }

  private static LoadBalancer buildAndUse(LiveServers.TcpListener listener, int i) {
    LoadBalancer lb = balancer("abandoned-" + i, listener);
    // A failure ejects the server, which also schedules the end of the ejection.
    try (Pick p = lb.pick()) {
      p.failure();
    }
    assertThat(lb.health(listener.server().id())).contains(HealthState.EJECTED);
    return lb;
  }

  private static LoadBalancer balancer(String name, LiveServers.TcpListener listener) {
    // A listener that holds its balancer, as adapters' listeners do: nothing the scheduler's
    // thread holds may reach the listeners strongly, or the balancer could never be collected.
    AtomicReference<@Nullable LoadBalancer> self = new AtomicReference<>();
    LoadBalancer lb =
        LoadBalancer.builder()
            .name(name)
            .selector(Selectors.leastResponseTime())
            .servers(listener.server())
            .healthCheck(
                ActiveHealthCheck.builder(HealthCheckers.tcp())
                    .interval(Duration.ofMillis(50))
                    .timeout(Duration.ofMillis(50))
                    .jitter(Duration.ZERO)
                    .build())
            .outlierDetection(
                OutlierDetection.builder()
                    .consecutiveFailures(1)
                    .unejectOnPassingHealthCheck(false)
                    .build())
            .slowStart(SlowStart.of(Duration.ofSeconds(1)))
            .listener(
                new HealthListener() {
                  @Override
                  public void onStateChange(
                      Server s, HealthState from, HealthState to, String why) {
                    LoadBalancer owner = self.get();
                    if (owner != null && owner.name().isEmpty()) {
                      throw new AssertionError("unreachable: a balancer's name is never empty");
                    }
                  }
                })
            .build();
    self.set(lb);
    return lb;
  }
}
