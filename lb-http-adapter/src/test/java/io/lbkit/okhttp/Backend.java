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

import io.lbkit.core.Server;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.jspecify.annotations.Nullable;

/**
 * One real HTTP backend on loopback for the tests: a MockWebServer whose behaviour can be switched
 * while it runs, and which counts what it received (in total, and per {@code X-Request-Id}, to
 * prove that a request was not delivered twice).
 */
final class Backend implements AutoCloseable {
  /** How the backend answers one request. */
  @FunctionalInterface
  interface Behavior {
    MockResponse respond(RecordedRequest request) throws InterruptedException;
  }

  final String id;
  private final MockWebServer server = new MockWebServer();
  private volatile Behavior behavior = ok();
  private final AtomicInteger requests = new AtomicInteger();
  private final Map<String, AtomicInteger> byRequestId = new ConcurrentHashMap<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean stopped;

  private Backend(String id, @Nullable SSLSocketFactory tls) throws IOException {
    this.id = id;
    // Answers go out in several writes; without TCP_NODELAY, Nagle's algorithm and the client's
    // delayed ACK add tens of milliseconds to every request on loopback.
    server.setServerSocketFactory(new NoDelayServerSocketFactory());
    if (tls != null) {
      server.useHttps(tls);
    }
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            requests.incrementAndGet();
            String requestId = request.getHeaders().get("X-Request-Id");
            if (requestId != null) {
              byRequestId.computeIfAbsent(requestId, k -> new AtomicInteger()).incrementAndGet();
            }
            return behavior.respond(request);
          }
        });
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  static Backend start(String id) throws IOException {
    return new Backend(id, null);
  }

  /** {@link #start} for field initializers. */
  static Backend startUnchecked(String id) {
    try {
      return start(id);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Backend startHttps(String id, SSLSocketFactory tls) throws IOException {
    return new Backend(id, tls);
  }

  /** This backend as an lbkit server whose id is the backend's name. */
  Server server() {
    return server(1);
  }

  Server server(double weight) {
    return Server.builder("127.0.0.1", server.getPort()).id(id).weight(weight).build();
  }

  int port() {
    return server.getPort();
  }

  MockWebServer mockWebServer() {
    return server;
  }

  void behave(Behavior b) {
    behavior = b;
  }

  /** Requests this backend received (read completely, before it answered). */
  int requests() {
    return requests.get();
  }

  /** How often a request with this {@code X-Request-Id} arrived here. */
  int received(String requestId) {
    AtomicInteger n = byRequestId.get(requestId);
    return n == null ? 0 : n.get();
  }

  Map<String, AtomicInteger> requestIds() {
    return byRequestId;
  }

  /** Stops listening: new connections are refused from now on. */
  void shutdown() {
    stopped = true;
    released.countDown();
    server.close();
  }

  boolean isStopped() {
    return stopped;
  }

  @Override
  public void close() {
    shutdown();
  }

  // --- behaviours ---

  static Behavior ok() {
    return r -> new MockResponse.Builder().code(200).body("ok").build();
  }

  /** Answers with this status and a small body. */
  static Behavior status(int code) {
    return r -> new MockResponse.Builder().code(code).body("status " + code).build();
  }

  /** Answers after this delay (the server thread sleeps; each connection has its own thread). */
  static Behavior delayed(long millis) {
    return r -> {
      Thread.sleep(millis);
      return new MockResponse.Builder().code(200).body("slow").build();
    };
  }

  /** Reads the request, then closes the connection instead of answering. */
  static Behavior reset() {
    return r ->
        new MockResponse.Builder()
            .onResponseStart(new SocketEffect.CloseSocket(true, false, false))
            .build();
  }

  /** Reads the request and never answers (until the backend is closed). */
  Behavior hang() {
    return r -> {
      if (!released.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("hung backend was never released");
      }
      return new MockResponse.Builder().code(200).body("late").build();
    };
  }

  /** Blocks each request until {@code latch} opens, then answers 200. */
  static Behavior blockUntil(CountDownLatch latch) {
    return r -> {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch never opened");
      }
      return new MockResponse.Builder().code(200).body("ok").build();
    };
  }

  @Override
  public String toString() {
    return id + "@" + server.getPort();
  }

  /** Server sockets whose accepted connections have TCP_NODELAY set. */
  private static final class NoDelayServerSocketFactory extends ServerSocketFactory {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new NoDelayServerSocket();
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      ServerSocket s = new NoDelayServerSocket();
      s.bind(new InetSocketAddress(port));
      return s;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      ServerSocket s = new NoDelayServerSocket();
      s.bind(new InetSocketAddress(port), backlog);
      return s;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
        throws IOException {
      ServerSocket s = new NoDelayServerSocket();
      s.bind(new InetSocketAddress(address, port), backlog);
      return s;
    }
  }

  private static final class NoDelayServerSocket extends ServerSocket {
    NoDelayServerSocket() throws IOException {
      super();
    }

    @Override
    public Socket accept() throws IOException {
      Socket socket = super.accept();
      socket.setTcpNoDelay(true);
      return socket;
    }
  }
}
