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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Snapshot rebuilds racing picks through subset and zone decorators: every pick must return a
 * server of its subset (never a stale removed one, never a wrong version) and none may fail, while
 * another thread keeps changing health and membership. Bounded by a pick count, not by time.
 */
class RoutingStressTest {
  private static final int PICKERS = 2;
  private static final int PICKS_PER_THREAD = 50_000;
  private static final int MAX_PICKS_PER_THREAD = 5_000_000;

  private static Server server(String id, String zone, String version) {
    return Server.builder(id, 80).id(id).zone(zone).putMetadata("version", version).build();
  }

  @Test
  void picksStayInTheirSubsetWhileSnapshotsChange() throws Exception {
    // b-v1 and b-v2 are never touched, so each subset always has an eligible server.
    List<Server> servers =
        List.of(
            server("a-v1", "a", "v1"),
            server("b-v1", "b", "v1"),
            server("a-v2", "a", "v2"),
            server("b-v2", "b", "v2"));
    Server extra = server("a-v2-extra", "a", "v2");
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(
                Selectors.subset(
                    SubsetRule.byAttribute("version", "version"),
                    Selectors.zoneAware("a", Selectors.leastConnections()),
                    SubsetFallback.NO_ENDPOINT))
            .servers(servers)
            .panicThreshold(0)
            .build();

    ExecutorService pool = Executors.newFixedThreadPool(PICKERS + 1);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong rebuilds = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    try {
      Future<?> changer =
          pool.submit(
              () -> {
                start.await();
                boolean flip = false;
                while (!done.get()) {
                  flip = !flip;
                  lb.setHealth("a-v1", flip ? HealthState.UNHEALTHY : HealthState.HEALTHY);
                  lb.setHealth("a-v2", flip ? HealthState.HEALTHY : HealthState.UNHEALTHY);
                  if (flip) {
                    lb.addServer(extra);
                  } else {
                    lb.removeServer(extra.id());
                  }
                  rebuilds.addAndGet(3);
                }
                return null;
              });
      List<Future<Integer>> pickers = new ArrayList<>();
      for (int t = 0; t < PICKERS; t++) {
        String version = t % 2 == 0 ? "v1" : "v2";
        PickContext context = PickContext.builder().attribute("version", version).build();
        pickers.add(
            pool.submit(
                () -> {
                  start.await();
                  // Pick at least PICKS_PER_THREAD times, and on until the changer has rebuilt
                  // the snapshot often during these picks (bounded: MAX_PICKS_PER_THREAD).
                  long rebuildsBefore = rebuilds.get();
                  int picks = 0;
                  while (picks < MAX_PICKS_PER_THREAD
                      && (picks < PICKS_PER_THREAD || rebuilds.get() - rebuildsBefore < 300)) {
                    try (Pick pick = lb.pick(context)) {
                      assertThat(pick.server().metadata()).containsEntry("version", version);
                    }
                    picks++;
                  }
                  return (int) (rebuilds.get() - rebuildsBefore);
                }));
      }
      start.countDown();
      for (Future<Integer> picker : pickers) {
        assertThat(picker.get(20, TimeUnit.SECONDS))
            .as("snapshots rebuilt while this thread picked")
            .isGreaterThanOrEqualTo(300);
      }
      done.set(true);
      changer.get(10, TimeUnit.SECONDS);
    } finally {
      done.set(true);
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
