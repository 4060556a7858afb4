package io.lbkit.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
  private HealthCheckers() {}

  /**
   * Healthy when a TCP connection to the server's host and port can be opened (it is closed at
   * once). Non-blocking: uses an asynchronous socket channel.
   */
  public static HealthChecker tcp() {
    return HealthCheckers::tcpCheck;
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

  private static CompletableFuture<Boolean> tcpCheck(Server server, Duration timeout) {
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      result.completeExceptionally(e);
      return result;
    }
    InetSocketAddress address = new InetSocketAddress(server.host(), server.port());
    if (address.isUnresolved()) {
      closeQuietly(channel);
      result.completeExceptionally(new IOException("cannot resolve " + server.host()));
      return result;
    }
    channel.connect(
        address,
        null,
        new CompletionHandler<Void, Void>() {
          @Override
          public void completed(Void unused, Void attachment) {
            closeQuietly(channel);
            result.complete(true);
          }

          @Override
          public void failed(Throwable e, Void attachment) {
            closeQuietly(channel);
            result.completeExceptionally(e);
          }
        });
    // The check enforces its own timeout (the balancer does too), and closing the channel once
    // the result is decided aborts a connect that hangs (a black-holed address).
    CompletableFuture<Boolean> unused =
        result
            .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
            .whenComplete((ok, e) -> closeQuietly(channel));
    return result;
  }

  private static void closeQuietly(AsynchronousSocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing to do: the check's result is already decided.
    }
  }
}
