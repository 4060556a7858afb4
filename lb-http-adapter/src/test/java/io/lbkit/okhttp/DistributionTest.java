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
package io.lbkit.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every algorithm's distribution as the backends see it: real HTTP servers on loopback count the
 * requests they received, and the counts must match each selector's contract.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DistributionTest {
  private final List<Backend> backends = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    for (Backend b : backends) {
      b.close();
    }
  }

  @Test
  void roundRobinGivesEveryServerExactlyTheSameCount() throws Exception {
    OkHttpClient client = client(Selectors.roundRobin(), 1, 1, 1, 1);

    getSequentially(client, 200);

    assertThat(counts()).containsExactly(50, 50, 50, 50);
  }

  @Test
  void weightedRoundRobinGivesEachServerExactlyItsWeightsShare() throws Exception {
    // W = 1 + 2 + 3 + 4 = 10; any 10 consecutive picks contain each server weight times.
    OkHttpClient client = client(Selectors.weightedRoundRobin(), 1, 2, 3, 4);

    getSequentially(client, 100);

    assertThat(counts()).containsExactly(10, 20, 30, 40);
  }

  @Test
  void randomIsUniformWithinFiveStandardDeviations() throws Exception {
    OkHttpClient client = client(Selectors.random(), 1, 5, 1, 1); // weights are ignored

    getSequentially(client, 1200);

    // Binomial(1200, 1/4): mean 300, standard deviation 15.
    for (int count : counts()) {
      assertThat((double) count).isCloseTo(300, within(75.0));
    }
  }

  @Test
  void weightedRandomFollowsTheWeightsWithinFiveStandardDeviations() throws Exception {
    OkHttpClient client = client(Selectors.weightedRandom(), 1, 2, 3, 4);

    getSequentially(client, 1000);

    // Binomial(1000, w/10): standard deviations 9.5, 12.6, 14.5, 15.5.
    List<Integer> counts = counts();
    assertThat((double) counts.get(0)).isCloseTo(100, within(50.0));
    assertThat((double) counts.get(1)).isCloseTo(200, within(65.0));
    assertThat((double) counts.get(2)).isCloseTo(300, within(75.0));
    assertThat((double) counts.get(3)).isCloseTo(400, within(80.0));
  }

  @Test
  void leastConnectionsAlwaysPicksAServerWithTheFewestOpenRequests() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    OkHttpClient client = client(Selectors.leastConnections(), 1, 1, 1, 1);
    backends.forEach(b -> b.behave(Backend.blockUntil(release)));

    List<Integer> chosen = holdRequests(client, 12, release);

    // Requests stay open at the servers, so each pick must go to a server with the fewest.
    int[] load = new int[4];
    for (int c : chosen) {
      assertThat(load[c]).isEqualTo(min(load));
      load[c]++;
    }
    assertThat(counts()).containsExactly(3, 3, 3, 3);
  }

  @Test
  void weightedLeastConnectionsBalancesOpenRequestsPerUnitOfWeight() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    OkHttpClient client = client(Selectors.weightedLeastConnections(), 1, 1, 1, 3);
    backends.forEach(b -> b.behave(Backend.blockUntil(release)));

    holdRequests(client, 12, release);

    // (open + 1) / weight is equalized: the weight-3 server carries three times as many.
    assertThat(counts()).containsExactly(2, 2, 2, 6);
  }

  @Test
  void powerOfTwoChoicesNeverPicksTheUniquelyMostLoadedServer() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    OkHttpClient client = client(Selectors.powerOfTwoChoices(), 1, 1, 1, 1);
    backends.forEach(b -> b.behave(Backend.blockUntil(release)));

    List<Integer> chosen = holdRequests(client, 40, release);

    // It samples two distinct servers and takes the less loaded: a server more loaded than every
    // other can never win.
    int[] load = new int[4];
    for (int c : chosen) {
      int others = 0;
      for (int i = 0; i < 4; i++) {
        if (i != c) {
          others = Math.max(others, load[i]);
        }
      }
      assertThat(load[c]).isLessThanOrEqualTo(others);
      load[c]++;
    }
    // And the spread stays small (random placement exceeds 8 about a third of the time).
    List<Integer> counts = counts();
    assertThat(
            counts.stream().mapToInt(i -> i).max().orElseThrow()
                - counts.stream().mapToInt(i -> i).min().orElseThrow())
        .isLessThanOrEqualTo(8);
  }

  @Test
  void leastResponseTimeSendsLittleToAServerTenTimesSlower() throws Exception {
    OkHttpClient client = client(Selectors.leastResponseTime(), 1, 1, 1, 1);
    backends.get(0).behave(Backend.delayed(30));
    backends.get(1).behave(Backend.delayed(3));
    backends.get(2).behave(Backend.delayed(3));
    backends.get(3).behave(Backend.delayed(3));

    getSequentially(client, 200);

    // A fair share would be 50; the slow server only gets probes. Among the fast ones the split
    // follows their (noisy) measured latency, so only ask that each is used.
    List<Integer> counts = counts();
    assertThat(counts.get(0)).isLessThan(20);
    assertThat(counts.subList(1, 4)).allSatisfy(c -> assertThat(c).isGreaterThan(10));
  }

  // --- helpers ---

  private OkHttpClient client(Selector selector, double... weights) throws IOException {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      Backend b = Backend.start("s" + i);
      backends.add(b);
      servers.add(b.server(weights[i]));
    }
    LoadBalancer balancer = LoadBalancer.builder().selector(selector).servers(servers).build();
    closeables.add(balancer);
    OkHttpClient client =
        TestClients.builder(
                LoadBalancingInterceptor.builder().service("inventory", balancer).build())
            .build();
    closeables.add(() -> TestClients.shutdown(client));
    return client;
  }

  private static void getSequentially(OkHttpClient client, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      try (Response r =
          client.newCall(new Request.Builder().url("http://inventory/x").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
        r.body().string();
      }
    }
  }

  /**
   * Sends {@code n} requests that the backends hold open, one at a time, each only once the
   * previous one has reached its server; returns which backend got each. Then releases them all and
   * checks that every one succeeded.
   */
  private List<Integer> holdRequests(OkHttpClient client, int n, CountDownLatch release)
      throws Exception {
    List<Integer> chosen = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(n);
    List<Integer> codes = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      List<Integer> before = counts();
      client
          .newCall(new Request.Builder().url("http://inventory/held").build())
          .enqueue(
              new Callback() {
                @Override
                public void onResponse(Call call, Response response) {
                  try (response) {
                    codes.add(response.code());
                  } finally {
                    done.countDown();
                  }
                }

                @Override
                public void onFailure(Call call, IOException e) {
                  codes.add(-1);
                  done.countDown();
                }
              });
      chosen.add(awaitArrival(before));
    }
    release.countDown();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(codes).hasSize(n).containsOnly(200);
    return chosen;
  }

  /** Waits until one backend's count exceeds {@code before} and returns its index. */
  private int awaitArrival(List<Integer> before) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      List<Integer> now = counts();
      for (int i = 0; i < now.size(); i++) {
        if (now.get(i) > before.get(i)) {
          return i;
        }
      }
      Thread.sleep(1); // polling real I/O, not waiting for time to pass
    }
    throw new AssertionError("request did not reach any backend");
  }

  private List<Integer> counts() {
    List<Integer> counts = new ArrayList<>();
    for (Backend b : backends) {
      counts.add(b.requests());
    }
    return counts;
  }

  private static int min(int[] values) {
    int m = Integer.MAX_VALUE;
    for (int v : values) {
      m = Math.min(m, v);
    }
    return m;
  }
}
