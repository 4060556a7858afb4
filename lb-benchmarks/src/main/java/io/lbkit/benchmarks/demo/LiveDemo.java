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
package io.lbkit.benchmarks.demo;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.lbkit.benchmarks.demo.DemoServer.Behaviour;
import io.lbkit.core.HealthListener;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.Server;
import io.lbkit.okhttp.LoadBalancingException;
import io.lbkit.okhttp.LoadBalancingInterceptor;
import io.lbkit.okhttp.RetryBudget;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The live demo: five real HTTP servers on loopback, a few thousand requests through OkHttp and
 * lbkit's {@link LoadBalancingInterceptor} for each algorithm, and a table of what came out.
 *
 * <p>The servers are two normal ones (5 ms), a slow one (50 ms), a flaky one that answers 500 to
 * half of its requests, and one that goes down a third of the way through each run and comes back
 * on the same port two thirds of the way through. Each algorithm gets a fresh balancer with outlier
 * detection and a fresh client, so runs do not share state. Every request's latency is measured at
 * the client, end to end, failovers included; each server counts the requests it receives.
 *
 * <p>Arguments: an optional number of requests per algorithm (3,000 by default). The table is also
 * written as CSV to {@code target/demo/results.csv} under the working directory.
 */
public final class LiveDemo {
  static final int DEFAULT_REQUESTS = 3_000;
  static final int DEFAULT_THREADS = 16;

  /** The logical host name the requests are sent to; the interceptor routes it. */
  private static final String SERVICE = "demo";

  /** The user header maglev hashes, so that each user stays on one server. */
  private static final String USER_HEADER = "X-User";

  private static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.log.io.lbkit";

  private static final int USERS = 500;
  private static final int MAX_ATTEMPTS = 3;

  private final int requests;
  private final int threads;
  private final PrintStream out;

  LiveDemo(int requests, int threads, PrintStream out) {
    checkArgument(
        requests >= 10, "requests per algorithm must be at least 10 but was %s", requests);
    checkArgument(threads >= 1, "threads must be at least 1 but was %s", threads);
    this.requests = requests;
    this.threads = threads;
    this.out = out;
  }

  /**
   * Runs the demo with every algorithm and prints the table to standard output.
   *
   * @param args optionally, the number of requests per algorithm
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    int requests = DEFAULT_REQUESTS;
    if (args.length > 0) {
      try {
        requests = Integer.parseInt(args[0]);
      } catch (NumberFormatException e) {
        System.err.println("usage: LiveDemo [requests per algorithm, default 3000]");
        System.exit(2);
      }
    }
    // The balancer logs every ejection at INFO; the table counts them instead. Set this property
    // to "info" to see each one as it happens.
    if (System.getProperty(LOG_LEVEL_PROPERTY) == null) {
      System.setProperty(LOG_LEVEL_PROPERTY, "warn");
    }
    long start = System.nanoTime();
    PrintStream out = new PrintStream(System.out, /* autoFlush= */ true, StandardCharsets.UTF_8);
    new LiveDemo(requests, DEFAULT_THREADS, out)
        .run(Algorithm.ALL, Path.of("target", "demo", "results.csv"));
    out.printf(Locale.ROOT, "Done in %.1f s.%n", (System.nanoTime() - start) / 1e9);
  }

  /** Starts the servers, runs each algorithm in turn, prints the table and writes the CSV. */
  ImmutableList<DemoResult> run(List<Algorithm> algorithms, Path csv)
      throws IOException, InterruptedException {
    List<DemoServer> servers = new ArrayList<>();
    try {
      servers.add(DemoServer.start("normal-1", Behaviour.NORMAL, 2));
      servers.add(DemoServer.start("normal-2", Behaviour.NORMAL, 2));
      servers.add(DemoServer.start("slow", Behaviour.SLOW, 1));
      servers.add(DemoServer.start("flaky", Behaviour.FLAKY, 1));
      servers.add(DemoServer.start("dies", Behaviour.DIES, 1));
      ResultTable table = new ResultTable(servers.stream().map(DemoServer::role).toList());

      printSetup(servers);
      // A short unrecorded run first, so that the first algorithm is not measured on a cold JIT.
      DemoResult unused = runOne(Algorithm.ROUND_ROBIN, servers, Math.max(10, requests / 4));
      out.println();
      out.println(table.header());
      ImmutableList.Builder<DemoResult> results = ImmutableList.builder();
      for (Algorithm algorithm : algorithms) {
        DemoResult result = runOne(algorithm, servers, requests);
        results.add(result);
        out.println(table.row(result));
      }
      ImmutableList<DemoResult> all = results.build();
      out.println();
      table.printLegend(out, all);
      Path written = table.writeCsv(csv, all);
      out.println("CSV copy: " + written.toAbsolutePath().normalize());
      return all;
    } finally {
      for (DemoServer server : servers) {
        server.close();
      }
    }
  }

  private void printSetup(List<DemoServer> servers) {
    out.printf(
        Locale.ROOT,
        "lbkit live demo: %,d GET requests per algorithm from %d threads, through OkHttp and"
            + " lbkit's LoadBalancingInterceptor%n",
        requests,
        threads);
    out.println("Servers, all on 127.0.0.1:");
    for (DemoServer s : servers) {
      out.printf(
          Locale.ROOT,
          "  %-9s port %-5d weight %.0f  %s%n",
          s.role(),
          s.port(),
          s.weight(),
          s.behaviour().description);
    }
    out.printf(
        Locale.ROOT,
        "Client: up to %d attempts per request on different servers (after an I/O error or a"
            + " 500/502/503/504), retry budget 20%% of requests + 10/s.%n",
        MAX_ATTEMPTS);
    out.printf(
        Locale.ROOT,
        "Outlier detection: eject after 5 failures or 5 connect failures in a row, or 40%% failures"
            + " within 1 s; first ejection 0.5 s, doubling.%n");
  }

  /** One algorithm's run: a fresh balancer and client, {@code total} GETs, then clean-up. */
  DemoResult runOne(Algorithm algorithm, List<DemoServer> servers, int total)
      throws InterruptedException {
    DemoServer dies =
        servers.stream().filter(s -> s.behaviour() == Behaviour.DIES).findFirst().orElseThrow();
    for (DemoServer s : servers) {
      s.restart(); // no-op unless a previous run was cut short while it was down
      s.resetCount();
    }
    List<Server> members = servers.stream().map(DemoServer::server).toList();
    long[] latencies = new long[total];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    Map<String, AtomicInteger> errorKinds = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> ejections = new ConcurrentHashMap<>();
    int stopAt = total / 3;
    int restartAt = 2 * total / 3;

    long start = System.nanoTime();
    try (LoadBalancer balancer =
        LoadBalancer.builder()
            .name(SERVICE)
            .selector(algorithm.selector().get())
            .servers(members)
            .outlierDetection(outlierDetection())
            .listener(
                new HealthListener() {
                  @Override
                  public void onStateChange(
                      Server server, HealthState from, HealthState to, String reason) {
                    if (to == HealthState.EJECTED) {
                      ejections
                          .computeIfAbsent(server.id(), k -> new AtomicInteger())
                          .incrementAndGet();
                    }
                  }
                })
            .build()) {
      LoadBalancingInterceptor.Builder interceptor =
          LoadBalancingInterceptor.builder()
              .service(SERVICE, balancer)
              .maxAttempts(MAX_ATTEMPTS)
              .retryBudget(RetryBudget.defaults())
              // GETs are idempotent, so a 500 from the flaky server may be tried elsewhere.
              .retryStatuses(500, 502, 503, 504);
      if (algorithm.hashKeyed()) {
        interceptor.hashKeyHeader(USER_HEADER);
      }
      OkHttpClient client =
          new OkHttpClient.Builder()
              .addInterceptor(interceptor.build())
              // Enough idle connections for every thread to every server, so that the run measures
              // the servers rather than connection set-up.
              .connectionPool(new ConnectionPool(threads * servers.size(), 30, TimeUnit.SECONDS))
              .connectTimeout(Duration.ofSeconds(1))
              .readTimeout(Duration.ofSeconds(2))
              .callTimeout(Duration.ofSeconds(5))
              .build();
      ExecutorService workers = Executors.newFixedThreadPool(threads);
      try {
        for (int t = 0; t < threads; t++) {
          workers.execute(
              () -> {
                for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                  if (i == stopAt) {
                    dies.stop();
                  } else if (i == restartAt) {
                    dies.restart();
                  }
                  long t0 = System.nanoTime();
                  String failure = send(client, i);
                  latencies[i] = System.nanoTime() - t0;
                  if (failure == null) {
                    ok.incrementAndGet();
                  } else {
                    errors.incrementAndGet();
                    errorKinds.computeIfAbsent(failure, k -> new AtomicInteger()).incrementAndGet();
                  }
                }
              });
        }
      } finally {
        workers.shutdown();
        if (!workers.awaitTermination(2, TimeUnit.MINUTES)) {
          workers.shutdownNow();
        }
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
    } finally {
      dies.restart();
    }
    long elapsed = System.nanoTime() - start;

    ImmutableMap.Builder<String, Long> received = ImmutableMap.builder();
    for (DemoServer s : servers) {
      received.put(s.role(), s.received());
    }
    ImmutableMap.Builder<String, Integer> ejectionCounts = ImmutableMap.builder();
    for (DemoServer s : servers) {
      AtomicInteger n = ejections.get(s.role());
      ejectionCounts.put(s.role(), n == null ? 0 : n.get());
    }
    ImmutableMap.Builder<String, Integer> kinds = ImmutableMap.builder();
    errorKinds.entrySet().stream()
        .sorted((a, b) -> b.getValue().get() - a.getValue().get())
        .forEach(e -> kinds.put(e.getKey(), e.getValue().get()));
    return new DemoResult(
        algorithm.name(),
        total,
        ok.get(),
        errors.get(),
        DemoResult.percentileMillis(latencies, 50),
        DemoResult.percentileMillis(latencies, 90),
        DemoResult.percentileMillis(latencies, 99),
        received.buildOrThrow(),
        ejectionCounts.buildOrThrow(),
        kinds.buildOrThrow(),
        elapsed);
  }

  /**
   * Sends request {@code i} and reads the whole body; returns null on a 200, else how it failed.
   */
  private static @Nullable String send(OkHttpClient client, int i) {
    Request request =
        new Request.Builder()
            .url("http://" + SERVICE + "/items/" + i)
            .header(USER_HEADER, "user-" + (i % USERS))
            .build();
    try (Response response = client.newCall(request).execute()) {
      response.body().string();
      return response.code() == 200 ? null : "HTTP " + response.code();
    } catch (LoadBalancingException e) {
      // "demo: 2 attempts failed (no retry: ...):\n  #1 ..." -> "2 attempts failed (no retry: ...)"
      String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      first = first.startsWith(SERVICE + ": ") ? first.substring(SERVICE.length() + 2) : first;
      return first.endsWith(":") ? first.substring(0, first.length() - 1) : first;
    } catch (IOException | RuntimeException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
  }

  /**
   * Ejections short enough that the flaky and the dying server come back within a run of a few
   * seconds, so the table shows both sides: ejected while failing, back when they recover.
   */
  private static OutlierDetection outlierDetection() {
    return OutlierDetection.builder()
        .consecutiveFailures(5)
        .consecutiveConnectFailures(5)
        // Five failures in a row are rare at a 50% failure rate (1 in 32 runs of five); the
        // failure-percentage rule is what catches a server that fails every other request.
        .failurePercentage(40, 3, 20)
        .interval(Duration.ofSeconds(1))
        .baseEjectionTime(Duration.ofMillis(500))
        .maxEjectionTime(Duration.ofSeconds(10))
        // Flaky and dies may be out at the same time: 2 of 5.
        .maxEjectionPercent(40)
        .build();
  }
}
