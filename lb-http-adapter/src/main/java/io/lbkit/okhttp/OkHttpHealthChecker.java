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

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.lbkit.core.HealthChecker;
import io.lbkit.core.Server;
import java.io.IOException;
import java.net.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntPredicate;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * An active {@link HealthChecker} that asks each server over HTTP with the application's own {@link
 * OkHttpClient}: {@code GET scheme://host:port/path}, healthy when the status is 2xx (by default)
 * within the check's timeout. Non-blocking: the call is enqueued on the client's dispatcher and the
 * future completes from OkHttp's callback; a check that the balancer times out cancels its call.
 *
 * <pre>{@code
 * OkHttpClient client = ...; // the application's client
 * LoadBalancer inventory = LoadBalancer.builder()
 *     .selector(Selectors.roundRobin())
 *     .servers(servers)
 *     .healthCheck(ActiveHealthCheck.builder(
 *         OkHttpHealthChecker.builder(client).path("/healthz").build()).build())
 *     .build();
 * }</pre>
 *
 * <p>With {@link Builder#logicalHost(String)} set, the check is addressed like the load-balanced
 * traffic: the URL host is the logical name (so HTTPS sends it as SNI and verifies the certificate
 * against it), the connection goes to the server's address, and, since the routing resolver is the
 * same value the {@link LoadBalancingInterceptor} uses, checks and traffic to a server share pooled
 * connections in the client's pool. Without it the URL host is the server's own host. Either way,
 * {@link LoadBalancingInterceptor}s are removed from the checks' client so that a check goes to the
 * server it is checking, and OkHttp's silent retry and redirects are off.
 *
 * @since 0.1.0
 */
public final class OkHttpHealthChecker implements HealthChecker {
  private final OkHttpClient client;
  private final String scheme;
  private final @Nullable String logicalHost;
  private final String path;
  private final IntPredicate healthy;

  private OkHttpHealthChecker(Builder b) {
    OkHttpClient.Builder cb =
        b.client
            .newBuilder()
            .proxy(Proxy.NO_PROXY)
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            .followSslRedirects(false);
    cb.interceptors().removeIf(i -> i instanceof LoadBalancingInterceptor);
    cb.networkInterceptors().removeIf(LoadBalancingInterceptor.class::isInstance);
    this.client = cb.build();
    this.scheme = b.scheme;
    this.logicalHost = b.logicalHost;
    this.path = b.path;
    this.healthy = b.healthy;
  }

  /** Returns a builder for checks made with (a derivative of) this client. */
  public static Builder builder(OkHttpClient client) {
    return new Builder(requireNonNull(client, "client"));
  }

  @Override
  public CompletableFuture<Boolean> check(Server server, Duration timeout) {
    HttpUrl url = ServerRequests.url(scheme, logicalHost, server, path);
    // A derived client shares the pool and dispatcher; it only carries this check's timeout and,
    // for a logical host, the resolver that routes it to this server.
    OkHttpClient.Builder perCheck = client.newBuilder().callTimeout(timeout);
    if (logicalHost != null) {
      perCheck.dns(new ServerDns(logicalHost, server, client.dns()));
    }
    Call call = perCheck.build().newCall(new Request.Builder().url(url).get().build());
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    call.enqueue(
        new Callback() {
          @Override
          public void onResponse(Call c, Response response) {
            try (response) {
              result.complete(healthy.test(response.code()));
            }
          }

          @Override
          public void onFailure(Call c, IOException e) {
            result.completeExceptionally(e);
          }
        });
    // The balancer fails a check that outlives its timeout by completing this future; stop the
    // call then rather than let it hold a connection.
    CompletableFuture<Boolean> unused =
        result.whenComplete(
            (ok, error) -> {
              if (error != null) {
                call.cancel();
              }
            });
    return result;
  }

  @Override
  public String toString() {
    return "OkHttpHealthChecker{"
        + scheme
        + "://"
        + (logicalHost != null ? logicalHost : "<server>")
        + path
        + '}';
  }

  /** Builds an {@link OkHttpHealthChecker}; every setting is validated when set. */
  public static final class Builder {
    private final OkHttpClient client;
    private String scheme = "http";
    private @Nullable String logicalHost;
    private String path = "/health";
    private IntPredicate healthy = code -> code >= 200 && code < 300;

    private Builder(OkHttpClient client) {
      this.client = client;
    }

    /** The path to ask, starting with {@code /}; {@code /health} by default. */
    @CanIgnoreReturnValue
    public Builder path(String path) {
      requireNonNull(path, "path");
      checkArgument(
          path.startsWith("/"), "health check path must start with '/' but was '%s'", path);
      this.path = path;
      return this;
    }

    /** Checks over HTTPS (with the client's TLS settings) instead of plain HTTP. */
    @CanIgnoreReturnValue
    public Builder https() {
      this.scheme = "https";
      return this;
    }

    /**
     * Addresses checks to this logical host name (TLS name and {@code Host} header), connecting to
     * each server's address; see the class comment.
     *
     * @throws IllegalArgumentException if it is not a valid bare host name
     */
    @CanIgnoreReturnValue
    public Builder logicalHost(String logicalHost) {
      this.logicalHost = ServerRequests.logicalHost(logicalHost);
      return this;
    }

    /** Which statuses mean healthy; 2xx by default. */
    @CanIgnoreReturnValue
    public Builder healthyStatuses(IntPredicate healthy) {
      this.healthy = requireNonNull(healthy, "healthy");
      return this;
    }

    /** Returns the checker. */
    public OkHttpHealthChecker build() {
      return new OkHttpHealthChecker(this);
    }
  }
}
