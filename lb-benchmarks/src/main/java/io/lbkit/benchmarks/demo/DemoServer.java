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

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lbkit.core.Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One real HTTP server of the demo, on 127.0.0.1 and an ephemeral port, with a behaviour. It counts
 * the requests it receives, which is how the demo measures each server's share. It can be stopped
 * and started again on the same port, to play a server that crashes and comes back.
 */
final class DemoServer implements AutoCloseable {
  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY, Nagle's algorithm and
    // the client's delayed ACK add up to 40 ms to some responses, which would swamp the 5 ms ones.
    // Read once, when the server implementation is first used, so it must be set before that.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** What a server does with each request. */
  enum Behaviour {
    /** Answers 200 after about 5 ms. */
    NORMAL(5, "5 ms"),
    /** Answers 200 after about 50 ms: an overloaded or badly placed instance. */
    SLOW(50, "50 ms"),
    /** Answers after about 5 ms, with a 500 for half of the requests, at random. */
    FLAKY(5, "5 ms, HTTP 500 for half the requests"),
    /** Answers 200 after about 5 ms, but is stopped and restarted during each run. */
    DIES(5, "5 ms, down from 1/3 to 2/3 of each run");

    final int delayMillis;
    final String description;

    Behaviour(int delayMillis, String description) {
      this.delayMillis = delayMillis;
      this.description = description;
    }
  }

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final String role;
  private final Behaviour behaviour;
  private final double weight;
  private final ExecutorService executor;
  private final AtomicLong received = new AtomicLong();
  private final int port;
  private @Nullable HttpServer http;

  private DemoServer(String role, Behaviour behaviour, double weight) throws IOException {
    this.role = role;
    this.behaviour = behaviour;
    this.weight = weight;
    // One thread per concurrent request: a small fixed pool would queue requests at the server and
    // turn every server into a slow one under load.
    this.executor =
        Executors.newCachedThreadPool(
            new ThreadFactoryBuilder()
                .setNameFormat("demo-" + role + "-%d")
                .setDaemon(true)
                .build());
    HttpServer server = bind(new InetSocketAddress(LOOPBACK, 0));
    this.port = server.getAddress().getPort();
    this.http = server;
  }

  /** Starts a server on an ephemeral loopback port. */
  static DemoServer start(String role, Behaviour behaviour, double weight) throws IOException {
    return new DemoServer(role, behaviour, weight);
  }

  private HttpServer bind(InetSocketAddress address) throws IOException {
    HttpServer server = HttpServer.create(address, 128);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
    return server;
  }

  private void handle(HttpExchange exchange) throws IOException {
    received.incrementAndGet();
    try (InputStream in = exchange.getRequestBody()) {
      in.transferTo(OutputStream.nullOutputStream());
      try {
        Thread.sleep(behaviour.delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      boolean fail = behaviour == Behaviour.FLAKY && ThreadLocalRandom.current().nextBoolean();
      byte[] body = (fail ? "failed by " + role : "served by " + role).getBytes(UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } finally {
      exchange.close();
    }
  }

  /** Stops listening and closes every connection at once, as a crashed process would. */
  synchronized void stop() {
    HttpServer server = http;
    if (server != null) {
      server.stop(0);
      http = null;
    }
  }

  /** Listens again on the same port, if stopped. */
  synchronized void restart() {
    if (http != null) {
      return;
    }
    // The old listening socket is closed, but the port may take a moment to be bindable again.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (true) {
      try {
        http = bind(new InetSocketAddress(LOOPBACK, port));
        return;
      } catch (BindException e) {
        if (System.nanoTime() > deadline) {
          throw new UncheckedIOException("could not listen on port " + port + " again", e);
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new UncheckedIOException(e);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  String role() {
    return role;
  }

  Behaviour behaviour() {
    return behaviour;
  }

  int port() {
    return port;
  }

  /** The balancer's view of this server; its id is the role, so that error messages name it. */
  Server server() {
    return Server.builder(LOOPBACK.getHostAddress(), port).id(role).weight(weight).build();
  }

  double weight() {
    return weight;
  }

  /** Requests received since the last reset, whatever they were answered with. */
  long received() {
    return received.get();
  }

  void resetCount() {
    received.set(0);
  }

  @Override
  public void close() {
    stop();
    executor.shutdownNow();
  }
}
