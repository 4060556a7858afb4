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
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadReport;
import io.lbkit.core.ProbeTransport;
import io.lbkit.core.Server;
import io.lbkit.server.LoadMetricsHeader;
import io.lbkit.server.LoadReportingFilter;
import java.io.IOException;
import java.net.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * Probes servers for their load over HTTP with the application's own {@link OkHttpClient}, for the
 * probing selector: {@code GET scheme://host:port/lbkit/probe} (by default, lb-server's {@link
 * LoadReportingFilter} path), whose reply carries the load in the {@value LoadMetricsHeader#NAME}
 * header ({@code TEXT ... named_metrics.rif=3, named_metrics.latency_ms=12.5}). Any endpoint of the
 * server that sends that header will do: set its path, and adjust the request (method, headers)
 * with {@link Builder#request(Consumer)}.
 *
 * <pre>{@code
 * LoadBalancer inventory = LoadBalancer.builder()
 *     .selector(Selectors.probing())
 *     .servers(servers)
 *     .probeTransport(OkHttpProbeTransport.builder(client).build())
 *     .build();
 * }</pre>
 *
 * <p>Non-blocking: a probe is enqueued and its stage completes from OkHttp's callback, with the
 * report, or exceptionally when the call fails, times out ({@link Builder#timeout}, 100 ms by
 * default), answers other than 2xx or has no header with a RIF. Probes go straight to the server
 * (the client's {@link LoadBalancingInterceptor}s are removed, no proxy, no silent retry, no
 * redirects), share the client's connection pool and threads, and queue on a dispatcher of their
 * own, so that they neither wait behind the application's queued calls nor count against its
 * per-host limit. With {@link Builder#logicalHost(String)} they are addressed like the balanced
 * traffic (logical name for TLS and {@code Host}, connection to the server's address), as {@link
 * OkHttpHealthChecker} does.
 *
 * @since 0.3.0
 */
public final class OkHttpProbeTransport implements ProbeTransport {
  private final OkHttpClient client;
  private final String scheme;
  private final @Nullable String logicalHost;
  private final String path;
  private final @Nullable Consumer<Request.Builder> customizer;
  private final Duration timeout;

  private OkHttpProbeTransport(Builder b) {
    // Its own queue and limits, the client's threads: probes neither wait behind the application's
    // queued calls nor count against its per-host limit, and no thread pool is added.
    Dispatcher dispatcher = new Dispatcher(b.client.dispatcher().executorService());
    dispatcher.setMaxRequests(1024);
    dispatcher.setMaxRequestsPerHost(1024);
    OkHttpClient.Builder cb =
        b.client
            .newBuilder()
            .dispatcher(dispatcher)
            .proxy(Proxy.NO_PROXY)
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            .followSslRedirects(false)
            .callTimeout(b.timeout);
    cb.interceptors().removeIf(i -> i instanceof LoadBalancingInterceptor);
    cb.networkInterceptors().removeIf(LoadBalancingInterceptor.class::isInstance);
    this.client = cb.build();
    this.scheme = b.scheme;
    this.logicalHost = b.logicalHost;
    this.path = b.path;
    this.customizer = b.customizer;
    this.timeout = b.timeout;
  }

  /** Returns a builder for probes sent with (a derivative of) this client. */
  public static Builder builder(OkHttpClient client) {
    return new Builder(requireNonNull(client, "client"));
  }

  @Override
  public CompletionStage<LoadReport> probe(Endpoint endpoint) {
    Server server = endpoint.server();
    String lh = logicalHost;
    HttpUrl url = ServerRequests.url(scheme, lh, server, path);
    Request.Builder request = new Request.Builder().url(url).get();
    Consumer<Request.Builder> c = customizer;
    if (c != null) {
      c.accept(request);
    }
    OkHttpClient perServer =
        lh == null
            ? client
            : client.newBuilder().dns(new ServerDns(lh, server, client.dns())).build();
    CompletableFuture<LoadReport> result = new CompletableFuture<>();
    Call call;
    try {
      call = perServer.newCall(request.build());
    } catch (RuntimeException e) {
      result.completeExceptionally(e); // a customizer that broke the request
      return result;
    }
    call.enqueue(
        new Callback() {
          @Override
          public void onResponse(Call c, Response response) {
            try (response) {
              if (!response.isSuccessful()) {
                result.completeExceptionally(
                    new IOException("probe " + url + " answered HTTP " + response.code()));
                return;
              }
              LoadReport report =
                  ServerLoadReports.fromHeader(response.header(LoadMetricsHeader.NAME));
              if (report == null) {
                result.completeExceptionally(
                    new IOException(
                        "probe "
                            + url
                            + " answered without a load report (an "
                            + LoadMetricsHeader.NAME
                            + " header with named_metrics.rif)"));
              } else {
                result.complete(report);
              }
            } catch (RuntimeException e) {
              result.completeExceptionally(e);
            }
          }

          @Override
          public void onFailure(Call c, IOException e) {
            result.completeExceptionally(e);
          }
        });
    return result;
  }

  @Override
  public String toString() {
    return "OkHttpProbeTransport{"
        + scheme
        + "://"
        + (logicalHost != null ? logicalHost : "<server>")
        + path
        + ", timeout="
        + timeout
        + '}';
  }

  /** Builds an {@link OkHttpProbeTransport}; every setting is validated when set. */
  public static final class Builder {
    private final OkHttpClient client;
    private String scheme = "http";
    private @Nullable String logicalHost;
    private String path = LoadReportingFilter.DEFAULT_PROBE_PATH;
    private @Nullable Consumer<Request.Builder> customizer;
    private Duration timeout = Duration.ofMillis(100);

    private Builder(OkHttpClient client) {
      this.client = client;
    }

    /**
     * The path to ask, starting with {@code /}; {@value LoadReportingFilter#DEFAULT_PROBE_PATH} by
     * default. It may carry a query ({@code /status?load=1}).
     */
    @CanIgnoreReturnValue
    public Builder path(String path) {
      requireNonNull(path, "path");
      checkArgument(path.startsWith("/"), "probe path must start with '/' but was '%s'", path);
      checkArgument(
          HttpUrl.parse("http://probe.invalid" + path) != null,
          "probe path must be a valid URL path but was '%s'",
          path);
      this.path = path;
      return this;
    }

    /** Probes over HTTPS (with the client's TLS settings) instead of plain HTTP. */
    @CanIgnoreReturnValue
    public Builder https() {
      this.scheme = "https";
      return this;
    }

    /**
     * Addresses probes to this logical host name (TLS name and {@code Host} header), connecting to
     * each server's address, as the balanced requests are.
     *
     * @throws IllegalArgumentException if it is not a valid bare host name
     */
    @CanIgnoreReturnValue
    public Builder logicalHost(String logicalHost) {
      this.logicalHost = ServerRequests.logicalHost(logicalHost);
      return this;
    }

    /**
     * Adjusts each probe request before it is sent (method, headers such as authorization); it is
     * called on the thread that starts the probe, and must not block.
     */
    @CanIgnoreReturnValue
    public Builder request(Consumer<Request.Builder> customizer) {
      this.customizer = requireNonNull(customizer, "customizer");
      return this;
    }

    /**
     * How long a probe may take, from enqueueing to the reply's headers; 100 ms by default. A late
     * answer describes a load that has moved on: a few times the network round trip is plenty.
     *
     * @throws IllegalArgumentException if not positive or above 1 minute
     */
    @CanIgnoreReturnValue
    public Builder timeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      checkArgument(
          !timeout.isNegative()
              && !timeout.isZero()
              && timeout.compareTo(Duration.ofMinutes(1)) <= 0,
          "probe timeout must be in (0, 1 min] but was %s",
          timeout);
      this.timeout = timeout;
      return this;
    }

    /** Returns the transport. */
    public OkHttpProbeTransport build() {
      return new OkHttpProbeTransport(this);
    }
  }
}
