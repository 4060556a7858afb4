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

import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * Real servers on 127.0.0.1 for the active health check tests: an HTTP server whose answer a test
 * switches at run time, a TCP listener, a listener whose accept queue is full (so that connecting
 * to it hangs), and a deadline-bounded polling loop. Nothing here touches any other address.
 */
final class LiveServers {
  /** The only address the tests use. */
  static final InetAddress LOOPBACK = loopback();

  private LiveServers() {}

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Polls {@code condition} every 10 ms until it holds, failing after {@code max}; returns how long
   * it took. Nothing waits longer than needed.
   */
  static Duration await(String what, Duration max, BooleanSupplier condition) {
    return await(() -> what, max, condition);
  }

  /** Same as {@link #await(String, Duration, BooleanSupplier)}, describing the state on failure. */
  static Duration await(Supplier<String> what, Duration max, BooleanSupplier condition) {
    long start = System.nanoTime();
    long deadline = start + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("not within %s: %s", max, what.get());
      }
      sleep(Duration.ofMillis(10));
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Sleeps; only for letting real time pass when a test shows that nothing happens. */
  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * Makes a few HTTP checks against a throw-away server. The first requests of a JVM load and
   * compile the HTTP client and server, which on a busy machine takes longer than the short
   * timeouts the tests measure.
   */
  static void warmUpHttp() throws Exception {
    try (Http http = Http.start()) {
      HealthChecker checker = HealthCheckers.http("/warm-up");
      for (int i = 0; i < 30; i++) {
        if (!checker.check(http.server(), Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS)) {
          throw new AssertionError("warm-up check failed");
        }
      }
    }
  }

  /** A loopback port that nothing listens on (bound, then closed). */
  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }

  /** The live threads whose name starts with this prefix. */
  static List<String> threadsNamed(String prefix) {
    List<String> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith(prefix)) {
        out.add(t.getName());
      }
    }
    return out;
  }

  /** A TCP listener that accepts every connection and closes it, and can be closed and reopened. */
  static final class TcpListener implements AutoCloseable {
    private final int port;
    private final AtomicInteger accepted = new AtomicInteger();
    private @Nullable ServerSocket socket;

    private TcpListener(int port) throws IOException {
      this.port = open(port);
    }

    /** Listens on an ephemeral loopback port. */
    static TcpListener start() throws IOException {
      return new TcpListener(0);
    }

    private synchronized int open(int wanted) throws IOException {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(LOOPBACK, wanted), 50);
      socket = s;
      // Accepting matters: connections that nobody accepts fill the accept queue, and then
      // connecting hangs.
      Thread t =
          new Thread(
              () -> {
                while (!s.isClosed()) {
                  try {
                    s.accept().close();
                    accepted.incrementAndGet();
                  } catch (IOException e) {
                    // Closed: the loop ends.
                  }
                }
              },
              "test-tcp-accept-" + s.getLocalPort());
      t.setDaemon(true);
      t.start();
      return s.getLocalPort();
    }

    int port() {
      return port;
    }

    Server server() {
      return Server.of("127.0.0.1", port);
    }

    int accepted() {
      return accepted.get();
    }

    /** Stops listening; connecting is refused until {@link #reopen()}. */
    synchronized void stop() throws IOException {
      ServerSocket s = socket;
      socket = null;
      if (s != null) {
        s.close();
      }
    }

    /** Listens again on the same port. */
    synchronized void reopen() throws IOException {
      if (socket == null) {
        open(port);
      }
    }

    @Override
    public void close() throws IOException {
      stop();
    }
  }

  /**
   * A listener that never accepts and whose accept queue is full: the kernel drops further SYNs, so
   * a connect to it hangs (until the client gives up). {@link #drain()} starts accepting.
   */
  static final class FullBacklog implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> fillers = new ArrayList<>();

    private FullBacklog(ServerSocket socket) {
      this.socket = socket;
    }

    /**
     * Fills a backlog-1 listener until a connect times out. Aborts the test if connecting never
     * hangs on this system (then a hanging connect cannot be made on loopback).
     */
    static FullBacklog create() throws IOException {
      ServerSocket s = new ServerSocket(0, 1, LOOPBACK);
      FullBacklog b = new FullBacklog(s);
      for (int i = 0; i < 64; i++) {
        Socket c = new Socket();
        try {
          c.connect(new InetSocketAddress(LOOPBACK, s.getLocalPort()), 200);
          b.fillers.add(c);
        } catch (SocketTimeoutException e) {
          c.close();
          return b;
        }
      }
      b.close();
      return Assumptions.abort("a connect to a full accept queue does not hang on this system");
    }

    int port() {
      return socket.getLocalPort();
    }

    Server server() {
      return Server.of("127.0.0.1", port());
    }

    /** Accepts the queued connections (and closes them), making room for one more. */
    void drain() throws IOException {
      for (int i = 0; i < fillers.size(); i++) {
        socket.setSoTimeout(1000);
        socket.accept().close();
      }
    }

    /**
     * Waits up to {@code max} for a connection to reach the accept queue; returns its remote port,
     * or -1 if none came.
     */
    int acceptWithin(Duration max) throws IOException {
      socket.setSoTimeout((int) max.toMillis());
      try (Socket c = socket.accept()) {
        return c.getPort();
      } catch (SocketTimeoutException e) {
        return -1;
      }
    }

    @Override
    public void close() throws IOException {
      for (Socket c : fillers) {
        c.close();
      }
      socket.close();
    }
  }

  /**
   * A real HTTP server whose answer a test switches at run time (a status code, or a hang), that
   * can be stopped and started again on the same port, and that records every request.
   */
  static final class Http implements AutoCloseable {
    /** What the handler does with the next request. */
    enum Mode {
      OK(200),
      NO_CONTENT(204),
      REDIRECT(302),
      NOT_FOUND(404),
      ERROR(500),
      UNAVAILABLE(503),
      /** Never answers (until the mode changes or the server stops). */
      HANG(0);

      final int status;

      Mode(int status) {
        this.status = status;
      }
    }

    private volatile Mode mode = Mode.OK;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentMap<Integer, AtomicInteger> answered = new ConcurrentHashMap<>();
    private final AtomicInteger hung = new AtomicInteger();
    private volatile CountDownLatch release = new CountDownLatch(1);
    private int port;
    private @Nullable HttpServer server;
    private @Nullable ExecutorService executor;

    private Http() {}

    /** Starts a server on an ephemeral loopback port, answering 200. */
    static Http start() throws IOException {
      Http s = new Http();
      s.bind(0);
      return s;
    }

    private synchronized void bind(int wanted) throws IOException {
      // Rebinding the port just released may briefly fail; a short retry keeps the test on the
      // same port, never another one.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      HttpServer s;
      while (true) {
        try {
          s = HttpServer.create(new InetSocketAddress(LOOPBACK, wanted), 50);
          break;
        } catch (BindException e) {
          if (System.nanoTime() - deadline > 0) {
            throw e;
          }
          sleep(Duration.ofMillis(10));
        }
      }
      // Handlers run on their own threads: a hanging handler must not stall the dispatcher, which
      // would hang every other request too.
      ExecutorService exec =
          Executors.newCachedThreadPool(
              r -> {
                Thread t = new Thread(r, "test-http-handler");
                t.setDaemon(true);
                return t;
              });
      s.setExecutor(exec);
      s.createContext("/", this::handle);
      release = new CountDownLatch(1);
      s.start();
      this.port = s.getAddress().getPort();
      this.server = s;
      this.executor = exec;
    }

    private void handle(HttpExchange exchange) throws IOException {
      try {
        // The request target exactly as the client sent it (raw path and query).
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        Mode m = mode;
        if (m == Mode.HANG) {
          hung.incrementAndGet();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          // The client gave up long ago; what happens to this exchange does not matter.
          return;
        }
        if (m == Mode.REDIRECT) {
          exchange.getResponseHeaders().add("Location", "/redirected");
        }
        answered.computeIfAbsent(m.status, k -> new AtomicInteger()).incrementAndGet();
        exchange.sendResponseHeaders(m.status, -1);
      } finally {
        exchange.close();
      }
    }

    /** Switches what the server answers from now on (and ends any hanging requests). */
    synchronized void answer(Mode newMode) {
      if (newMode == Mode.HANG) {
        // A fresh latch before the mode: a request that sees HANG must find a latch to wait on.
        if (release.getCount() == 0) {
          release = new CountDownLatch(1);
        }
        mode = newMode;
      } else {
        mode = newMode;
        release.countDown();
      }
    }

    /** The port, the same across {@link #stop()} and {@link #restart()}. */
    int port() {
      return port;
    }

    /** This server as a load balancer's {@link Server}. */
    Server server() {
      return Server.of("127.0.0.1", port);
    }

    /** Every request received so far, as {@code "METHOD target"}. */
    List<String> requests() {
      return List.copyOf(requests);
    }

    /** How many requests were answered with this status. */
    int answered(int status) {
      AtomicInteger n = answered.get(status);
      return n == null ? 0 : n.get();
    }

    /** How many requests were left hanging. */
    int hung() {
      return hung.get();
    }

    /** Stops listening and closes every connection; {@link #restart()} binds the same port. */
    synchronized void stop() {
      release.countDown();
      HttpServer s = server;
      ExecutorService exec = executor;
      server = null;
      executor = null;
      if (s != null) {
        s.stop(0);
      }
      if (exec != null) {
        exec.shutdownNow();
      }
    }

    /** Listens again on the same port. */
    synchronized void restart() throws IOException {
      if (server == null) {
        bind(port);
      }
    }

    @Override
    public void close() {
      stop();
    }
  }
}
