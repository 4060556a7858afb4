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

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many threads, a bounded number of requests: the servers see exactly what was sent. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LoadTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 100;

  private final List<Backend> backends = new ArrayList<>();

  @AfterEach
  void tearDown() {
    backends.forEach(Backend::close);
  }

  @Test
  void blockingCallsFromManyThreads() throws Exception {
    List<Server> servers = start(4);
    try (LoadBalancer balancer =
        LoadBalancer.builder().selector(Selectors.powerOfTwoChoices()).servers(servers).build()) {
      OkHttpClient client =
          TestClients.builder(
                  LoadBalancingInterceptor.builder().service("inventory", balancer).build())
              .build();
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int ok = 0;
                  for (int i = 0; i < PER_THREAD; i++) {
                    Request.Builder request =
                        new Request.Builder()
                            .url("http://inventory/items/" + i)
                            .header("X-Request-Id", thread + "-" + i);
                    if (i % 3 == 0) {
                      request.post(RequestBody.create("x", MediaType.get("text/plain")));
                    }
                    try (Response r = client.newCall(request.build()).execute()) {
                      ok += r.code() == 200 ? 1 : 0;
                    }
                  }
                  return ok;
                }));
      }
      start.countDown();
      int ok = 0;
      for (Future<Integer> f : results) {
        ok += f.get(8, TimeUnit.SECONDS);
      }
      pool.shutdown();

      assertThat(ok).isEqualTo(THREADS * PER_THREAD);
      assertThat(totalAtServers()).isEqualTo(THREADS * PER_THREAD);
      assertEachIdReceivedOnce(THREADS * PER_THREAD);
      // Every pick completed: no in-flight count leaked.
      assertThat(balancer.status()).allSatisfy(s -> assertThat(s.inFlight()).isZero());
      TestClients.shutdown(client);
    }
  }

  @Test
  void asynchronousCallsAllAtOnce() throws Exception {
    List<Server> servers = start(3);
    try (LoadBalancer balancer =
        LoadBalancer.builder().selector(Selectors.leastConnections()).servers(servers).build()) {
      OkHttpClient client =
          TestClients.builder(
                  LoadBalancingInterceptor.builder().service("inventory", balancer).build())
              .build();
      int n = 600;
      CountDownLatch done = new CountDownLatch(n);
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      for (int i = 0; i < n; i++) {
        client
            .newCall(
                new Request.Builder()
                    .url("http://inventory/a/" + i)
                    .header("X-Request-Id", "a-" + i)
                    .build())
            .enqueue(
                new Callback() {
                  @Override
                  public void onResponse(Call call, Response response) {
                    try (response) {
                      response.body().string();
                      if (response.code() == 200) {
                        ok.incrementAndGet();
                      }
                    } catch (IOException e) {
                      failed.incrementAndGet();
                    } finally {
                      done.countDown();
                    }
                  }

                  @Override
                  public void onFailure(Call call, IOException e) {
                    failed.incrementAndGet();
                    done.countDown();
                  }
                });
      }

      assertThat(done.await(8, TimeUnit.SECONDS)).isTrue();
      assertThat(failed.get()).isZero();
      assertThat(ok.get()).isEqualTo(n);
      assertThat(totalAtServers()).isEqualTo(n);
      assertEachIdReceivedOnce(n);
      assertThat(balancer.status()).allSatisfy(s -> assertThat(s.inFlight()).isZero());
      TestClients.shutdown(client);
    }
  }

  private List<Server> start(int n) throws IOException {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Backend b = Backend.start("s" + i);
      backends.add(b);
      servers.add(b.server());
    }
    return servers;
  }

  private int totalAtServers() {
    return backends.stream().mapToInt(Backend::requests).sum();
  }

  private void assertEachIdReceivedOnce(int expectedIds) {
    int ids = 0;
    for (Backend b : backends) {
      ids += b.requestIds().size();
      b.requestIds().values().forEach(count -> assertThat(count.get()).isEqualTo(1));
    }
    assertThat(ids).isEqualTo(expectedIds);
  }
}
