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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadReport;
import io.lbkit.core.Outcome;
import io.lbkit.core.ProbeTap;
import io.lbkit.core.ProbingConfig;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import io.lbkit.server.LoadRecorder;
import io.lbkit.server.LoadReportingFilter;
import io.lbkit.server.LoadReportingServletFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The OkHttp probe transport and the header of ordinary responses, against real servers
 * instrumented with lb-server's filters (JDK HttpServers, and Jetty with the Servlet filter): the
 * reports arrive in the balancer.
 */
class ProbeTransportTest {
  private final List<AutoCloseable> stops = new ArrayList<>();
  private final List<LoadRecorder> recorders = new ArrayList<>();
  private final List<AtomicInteger> served = new ArrayList<>();
  private final List<LoadRecorder.Request> busy = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final List<OkHttpClient> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    busy.forEach(r -> r.finish(false));
    for (AutoCloseable s : stops) {
      s.close();
    }
    pool.shutdownNow();
    clients.forEach(TestClients::shutdown);
  }

  /** The server stacks lb-server instruments: the JDK's HttpServer and a Servlet container. */
  enum Stack {
    HTTP_SERVER,
    SERVLET
  }

  /** A server with lb-server's filter; {@code /hold} waits for the test's release. */
  private Server start(boolean instrumented) throws Exception {
    return start(Stack.HTTP_SERVER, instrumented, 0);
  }

  private Server start(Stack stack, boolean instrumented, long workMillis) throws Exception {
    LoadRecorder recorder = LoadRecorder.create();
    AtomicInteger requests = new AtomicInteger();
    served.add(requests);
    recorders.add(recorder);
    Handler handler = new Handler(requests, workMillis);
    return stack == Stack.SERVLET
        ? startServlet(handler, instrumented ? recorder : null)
        : startHttpServer(handler, instrumented ? recorder : null);
  }

  /** What every test server does with a request that is not a probe. */
  private final class Handler {
    private final AtomicInteger requests;
    private final long workMillis;

    Handler(AtomicInteger requests, long workMillis) {
      this.requests = requests;
      this.workMillis = workMillis;
    }

    byte[] handle(String path) {
      requests.incrementAndGet(); // probes are answered by the filter, not here
      try {
        if (workMillis > 0) {
          Thread.sleep(workMillis); // a server that is slow, not one that waits
        }
        if (path.equals("/hold")) {
          release.await(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "ok".getBytes(StandardCharsets.UTF_8);
    }
  }

  private Server startHttpServer(Handler handler, @Nullable LoadRecorder recorder)
      throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(pool);
    var context =
        server.createContext(
            "/",
            exchange -> {
              byte[] body = handler.handle(exchange.getRequestURI().getPath());
              exchange.sendResponseHeaders(200, body.length);
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
              }
            });
    if (recorder != null) {
      context.getFilters().add(LoadReportingFilter.create(recorder));
    }
    server.start();
    stops.add(() -> server.stop(0));
    return Server.of("127.0.0.1", server.getAddress().getPort());
  }

  /** Jetty 12 with one servlet, and lb-server's Servlet filter in front of it. */
  private Server startServlet(Handler handler, @Nullable LoadRecorder recorder) throws Exception {
    org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    context.addServlet(new ServletHolder(new HandlerServlet(handler)), "/*");
    if (recorder != null) {
      context.addFilter(
          new FilterHolder(LoadReportingServletFilter.create(recorder)),
          "/*",
          EnumSet.of(DispatcherType.REQUEST));
    }
    jetty.setHandler(context);
    jetty.start();
    stops.add(jetty::stop);
    return Server.of("127.0.0.1", connector.getLocalPort());
  }

  /** The {@link Handler} as a servlet. */
  private static final class HandlerServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient Handler handler;

    HandlerServlet(Handler handler) {
      this.handler = handler;
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      byte[] body = handler.handle(request.getRequestURI());
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    }
  }

  private OkHttpClient client(LoadBalancingInterceptor interceptor) {
    OkHttpClient client = TestClients.builder(interceptor).build();
    clients.add(client);
    return client;
  }

  @ParameterizedTest
  @EnumSource(Stack.class)
  void probesAndResponseHeadersReachTheBalancer(Stack stack) throws Exception {
    Server a = start(stack, true, 0);
    Server b = start(stack, true, 0);
    for (int i = 0; i < 3; i++) {
      busy.add(recorders.get(1).start()); // b works on three requests of its own
    }
    ProbeTap tap = ProbeTap.probing();
    OkHttpClient plain = new OkHttpClient();
    clients.add(plain);
    LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(tap)
            .servers(a, b)
            .probeTransport(
                OkHttpProbeTransport.builder(plain).timeout(Duration.ofSeconds(5)).build())
            .build();
    OkHttpClient client =
        client(LoadBalancingInterceptor.builder().service("svc", balancer).build());
    for (int i = 0; i < 4; i++) {
      try (Response r =
          client.newCall(new Request.Builder().url("http://svc/work").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }
    // Probes: each server's RIF as its filter counts it (b's three; the probe itself uncounted).
    // (A probe starts at the pick, so it may find that request in flight already.)
    awaitReport(tap, a.id(), true, r -> r.requestsInFlight() <= 1);
    awaitReport(tap, b.id(), true, r -> r.requestsInFlight() == 3 || r.requestsInFlight() == 4);
    // Responses: the header sent while that request was in flight (so one more).
    awaitReport(tap, a.id(), false, r -> r.requestsInFlight() == 1 && r.latencyNanos() >= 0);
    awaitReport(tap, b.id(), false, r -> r.requestsInFlight() == 4);
    assertThat(tap.received())
        .filteredOn(x -> !x.probed())
        .allSatisfy(x -> assertThat(x.report().metrics()).doesNotContainKey("rif"));
    balancer.close();
  }

  /**
   * The user's path with the real probing selector: the server that reports 40 requests in flight
   * of its own gets few requests; without probing (power of two choices on the client's own counts,
   * all zero here) it gets about half (156 of 300 in a run with power of two choices; 84 in a run
   * with probing on a loaded machine).
   */
  @ParameterizedTest
  @EnumSource(Stack.class)
  void probingSelectorSteersRequestsAwayFromTheBusyServer(Stack stack) throws Exception {
    Server a = start(stack, true, 0);
    Server b = start(stack, true, 0);
    for (int i = 0; i < 40; i++) {
      busy.add(recorders.get(1).start());
    }
    OkHttpClient plain = new OkHttpClient();
    clients.add(plain);
    LoadBalancer balancer =
        LoadBalancer.builder()
            // Sequential requests on loopback can outrun the default probe cap (1,000 a second),
            // which would leave the pool short and most picks to the fallback.
            .selector(
                Selectors.probing(ProbingConfig.builder().maxProbeRatePerServer(100_000).build()))
            .servers(a, b)
            .probeTransport(
                OkHttpProbeTransport.builder(plain).timeout(Duration.ofSeconds(5)).build())
            .build();
    OkHttpClient client =
        client(LoadBalancingInterceptor.builder().service("svc", balancer).build());
    for (int i = 0; i < 20; i++) { // connections up, pool filled
      get(client);
    }
    served.forEach(c -> c.set(0));
    int calls = 300;
    for (int i = 0; i < calls; i++) {
      get(client);
    }
    assertThat(served.get(1).get())
        .as("requests to the busy server, of %s (a: %s)", calls, served.get(0).get())
        .isLessThan(calls * 2 / 5); // half by chance: 150 +- 9
    balancer.close();
  }

  private static void get(OkHttpClient client) throws IOException {
    try (Response r =
        client.newCall(new Request.Builder().url("http://svc/work").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
  }

  @Test
  void responseHeadersAreIgnoredWhenTurnedOff() throws Exception {
    Server a = start(true);
    ProbeTap tap = ProbeTap.listening();
    LoadBalancer balancer = LoadBalancer.builder().selector(tap).servers(a).build();
    OkHttpClient on = client(LoadBalancingInterceptor.builder().service("svc", balancer).build());
    OkHttpClient off =
        client(
            LoadBalancingInterceptor.builder().service("svc", balancer).loadReports(false).build());
    try (Response r = off.newCall(new Request.Builder().url("http://svc/x").build()).execute()) {
      assertThat(r.header("endpoint-load-metrics")).isNotNull();
    }
    assertThat(tap.received()).isEmpty();
    try (Response r = on.newCall(new Request.Builder().url("http://svc/x").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    assertThat(tap.received()).hasSize(1); // reported before the response was returned
    balancer.close();
  }

  @Test
  void aProbeFailsWhenTheReplyCarriesNoReportOrComesTooLate() throws Exception {
    Server bare = start(false);
    Server slow = start(true);
    OkHttpClient plain = new OkHttpClient();
    clients.add(plain);
    assertThatThrownBy(
            () ->
                probe(
                    OkHttpProbeTransport.builder(plain).timeout(Duration.ofSeconds(5)).build(),
                    bare))
        .hasCauseInstanceOf(IOException.class)
        .hasMessageContaining("without a load report");
    OkHttpProbeTransport hanging =
        OkHttpProbeTransport.builder(plain).path("/hold").timeout(Duration.ofMillis(200)).build();
    long start = System.nanoTime();
    assertThatThrownBy(() -> probe(hanging, slow)).hasCauseInstanceOf(IOException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    OkHttpProbeTransport status =
        OkHttpProbeTransport.builder(plain)
            .request(r -> r.head())
            .timeout(Duration.ofSeconds(5))
            .build();
    // The timed-out /hold is still held on the server: a request in flight, the HEAD probe is not.
    assertThat(probe(status, slow).requestsInFlight()).isEqualTo(1);
  }

  @Test
  void rejectsBadSettingsNamingThem() {
    OkHttpProbeTransport.Builder b = OkHttpProbeTransport.builder(new OkHttpClient());
    assertThatThrownBy(() -> b.path("probe"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'probe'");
    assertThatThrownBy(() -> b.timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> b.timeout(Duration.ofDays(365)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT8760H");
    assertThatThrownBy(() -> b.timeout(Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.logicalHost("a/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a/b'");
  }

  /** One probe of one server, through an endpoint of a balancer of that server alone. */
  private static LoadReport probe(OkHttpProbeTransport transport, Server server)
      throws InterruptedException, ExecutionException {
    try (LoadBalancer lb =
        LoadBalancer.builder().selector(Selectors.roundRobin()).servers(server).build()) {
      long start = lb.pickStart();
      Endpoint endpoint = lb.pickEndpoint(start);
      lb.complete(endpoint, start, Outcome.CANCELLED);
      return transport.probe(endpoint).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the probe never completed", e);
    }
  }

  private static void awaitReport(
      ProbeTap tap, String serverId, boolean probed, Predicate<LoadReport> wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (ProbeTap.Received r : tap.received()) {
        if (r.serverId().equals(serverId) && r.probed() == probed && wanted.test(r.report())) {
          return;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError(
        "no "
            + (probed ? "probe" : "response")
            + " report as wanted from "
            + serverId
            + ": "
            + tap.received());
  }
}
