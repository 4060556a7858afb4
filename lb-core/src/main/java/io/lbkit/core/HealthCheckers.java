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

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The built-in {@link HealthChecker}s: a TCP connect and an HTTP GET.
 *
 * <pre>{@code
 * ActiveHealthCheck.builder(HealthCheckers.tcp()).build();
 * ActiveHealthCheck.builder(HealthCheckers.http("/healthz")).build();
 * }</pre>
 *
 * @since 0.1.0
 */
public final class HealthCheckers {
  /** The most host name resolutions of TCP checks that run at once, across all balancers. */
  static final int RESOLVER_THREADS = 4;

  private HealthCheckers() {}

  /**
   * Healthy when a TCP connection to the server's host and port can be opened (it is closed at
   * once). Non-blocking: uses an asynchronous socket channel. An IP literal is connected to
   * directly; a host name is resolved on a small shared pool of daemon threads (at most four),
   * never on the balancer's scheduler, so a slow DNS server fails the checks of the servers it
   * names (the resolution counts against the check's timeout) and delays no other check or
   * maintenance.
   */
  public static HealthChecker tcp() {
    return tcp(InetAddress::getByName);
  }

  /** {@link #tcp()} with another resolver of host names (tests inject a slow one). */
  static HealthChecker tcp(HostResolver resolver) {
    requireNonNull(resolver, "resolver");
    return (server, timeout) -> tcpCheck(server, timeout, resolver);
  }

  /** Resolves a host name; may block. */
  @FunctionalInterface
  interface HostResolver {
    InetAddress resolve(String host) throws UnknownHostException;
  }

  /**
   * Healthy when {@code GET http://host:port/path} answers 2xx within the timeout, with the JDK's
   * {@link HttpClient} (one client shared by all checks of this checker).
   *
   * @param path the path to ask, starting with {@code /}, with an optional query; sent as given
   * @throws IllegalArgumentException naming the path if it does not start with {@code /}, is not a
   *     valid URI path and query (such as one with a space or a bad %-escape), or has a fragment
   *     ({@code #...}, which would never be sent)
   */
  public static HealthChecker http(String path) {
    requireNonNull(path, "path");
    checkArgument(path.startsWith("/"), "health check path must start with '/' but was '%s'", path);
    // Checked now, not at every check, where a bad path would only show as every server failing.
    URI parsed;
    try {
      parsed = new URI("http://localhost" + path);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "health check path '" + path + "' is not a valid URI path: " + e.getReason(), e);
    }
    checkArgument(
        parsed.getRawFragment() == null,
        "health check path '%s' has a fragment, which is never sent",
        path);
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return (server, timeout) -> {
      URI uri = URI.create("http://" + server.address() + path);
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
      return client
          .sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .thenApply(response -> response.statusCode() / 100 == 2);
    };
  }

  private static CompletableFuture<Boolean> tcpCheck(
      Server server, Duration timeout, HostResolver resolver) {
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    // The check enforces its own timeout (the balancer does too), resolution included; once the
    // result is decided, the channel is closed, which aborts a connect that hangs (a black-holed
    // address).
    CompletableFuture<Boolean> unused = result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
    String host = server.host();
    int port = server.port();
    if (InetAddresses.isInetAddress(host)) {
      // No lookup: the literal is the address.
      connect(new InetSocketAddress(InetAddresses.forString(host), port), result);
      return result;
    }
    try {
      Resolution.POOL.execute(
          () -> {
            if (result.isDone()) {
              return; // timed out while queued
            }
            InetAddress address;
            try {
              address = resolver.resolve(host);
            } catch (UnknownHostException | RuntimeException e) {
              result.completeExceptionally(new IOException("cannot resolve " + host, e));
              return;
            }
            connect(new InetSocketAddress(address, port), result);
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          new IOException(
              "cannot resolve "
                  + host
                  + ": "
                  + Resolution.QUEUE
                  + " host name resolutions are already waiting (is DNS answering?)",
              e));
    }
    return result;
  }

  private static void connect(InetSocketAddress address, CompletableFuture<Boolean> result) {
    if (result.isDone()) {
      return;
    }
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      result.completeExceptionally(e);
      return;
    }
    CompletableFuture<Boolean> unused = result.whenComplete((ok, e) -> closeQuietly(channel));
    try {
      channel.connect(
          address,
          null,
          new CompletionHandler<Void, Void>() {
            @Override
            public void completed(Void unused, Void attachment) {
              result.complete(true);
            }

            @Override
            public void failed(Throwable e, Void attachment) {
              result.completeExceptionally(e);
            }
          });
    } catch (RuntimeException e) {
      // Closed by a timeout that came first, or an address the channel cannot take.
      result.completeExceptionally(e);
    }
  }

  /**
   * The threads that resolve host names for TCP checks: a few daemon threads, shared by every
   * balancer, that end when idle. The queue is bounded too: when DNS hangs, checks fail with a
   * clear cause instead of piling up resolutions without end.
   */
  private static final class Resolution {
    static final int QUEUE = 1024;
    static final ThreadPoolExecutor POOL = pool();

    private Resolution() {}

    private static ThreadPoolExecutor pool() {
      AtomicInteger threads = new AtomicInteger();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              RESOLVER_THREADS,
              RESOLVER_THREADS,
              10,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(QUEUE),
              r -> {
                Thread t = new Thread(r, "lbkit-resolver-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      pool.allowCoreThreadTimeOut(true);
      return pool;
    }
  }

  private static void closeQuietly(AsynchronousSocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing to do: the check's result is already decided.
    }
  }
}
