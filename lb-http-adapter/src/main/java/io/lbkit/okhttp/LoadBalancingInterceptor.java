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
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.Server;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OkHttp <em>application</em> interceptor that sends each request for a logical host name to a
 * server chosen by that service's lbkit {@link LoadBalancer}, fails over to other servers, and
 * reports every attempt's outcome back to the balancer.
 *
 * <pre>{@code
 * LoadBalancer inventory = LoadBalancer.builder()
 *     .name("inventory")
 *     .selector(Selectors.leastResponseTime())
 *     .servers(Server.of("10.0.0.1", 8080), Server.of("10.0.0.2", 8080))
 *     .outlierDetection(OutlierDetection.defaults())
 *     .build();
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(LoadBalancingInterceptor.builder().service("inventory", inventory).build())
 *     .build();
 * try (Response response = client.newCall(
 *     new Request.Builder().url("http://inventory/items").build()).execute()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Requests whose host is not a configured service pass through untouched. It must be added with
 * {@link OkHttpClient.Builder#addInterceptor}: OkHttp does not let network interceptors change
 * where a request goes. It needs OkHttp 5.4.0 or later; {@link Builder#build()} fails with an older
 * one.
 *
 * <p>A balanced URL takes the picked server's port, so it carries no port of its own (or its
 * scheme's default): a request for {@code http://inventory:9999/} fails with a {@link
 * LoadBalancingException} instead of having its port silently replaced.
 *
 * <h2>Routing, and why the URL keeps the logical host</h2>
 *
 * <p>For each attempt the interceptor keeps the request's scheme, logical host, path, query,
 * headers, body and tags, sets the URL's port to the picked server's port, and sends it through a
 * chain whose {@link okhttp3.Dns} resolves the logical host to the picked server's address (and any
 * other name as the client would). The {@code Host} header stays the one the caller's URL implies
 * ({@code inventory}, not the server's address), as a reverse proxy would send it.
 *
 * <p>Rewriting the URL host to the server's IP address instead would break HTTPS: OkHttp would send
 * no SNI (or the IP) and verify the certificate against the IP address, so it would either reject
 * every correctly configured server or tempt users to switch hostname verification off. Keeping the
 * logical host means the TLS handshake sends it as SNI and the client's own {@link
 * javax.net.ssl.HostnameVerifier} checks the certificate against it, unchanged: a server that
 * presents a certificate for another name is rejected, and reported as a connect failure.
 *
 * <p>Connection pooling stays per server: OkHttp reuses a pooled connection only for an equal
 * {@link okhttp3.Address}, whose equality includes the {@code Dns}, and the per-server resolver is
 * a value that is equal exactly for the same logical host and server address. Requests to one
 * server therefore share its connections (from the client's own pool), and a connection to one
 * server is never used for a request routed to another. Managed requests always connect directly
 * ({@link java.net.Proxy#NO_PROXY}), since a proxy would resolve the logical name itself.
 *
 * <h2>Outcomes</h2>
 *
 * <p>Every attempt reports its outcome to the balancer exactly once: {@code CONNECT_FAILURE} when
 * it failed before the request was written (refused, reset, TLS failure, connect timeout), {@code
 * TIMEOUT} for a read or write timeout, {@code FAILURE} for any other I/O error or a {@linkplain
 * Builder#failureStatuses failure status} (5xx and 429 by default), {@code SUCCESS} otherwise, and
 * {@code CANCELLED} when the caller cancelled the call or the response came from OkHttp's cache.
 * The latency sample is the time from the pick to the response headers. The response returned to
 * the caller is accounted when its body has been read to the end or closed: a streamed body counts
 * as in flight until then, and an error while reading it counts as a failure (with its full time),
 * but how long the caller takes to read it does not make the server look slow. Attempts pick
 * without a handle ({@link LoadBalancer#pickEndpoint(long)}) and keep the endpoint and start with
 * the attempt, so the accounting allocates nothing beyond the attempt itself; a hinted server's
 * attempt uses {@link LoadBalancer#pickServer}'s handle.
 *
 * <h2>Failover</h2>
 *
 * <ul>
 *   <li>An attempt that failed before the request was written goes to a different server, whatever
 *       the method: no server saw it.
 *   <li>After the request may have reached a server, only idempotent requests (GET, HEAD, OPTIONS,
 *       PUT, DELETE, or any request tagged {@link Idempotency#IDEMPOTENT}) are sent again: after an
 *       I/O error or timeout, or on a {@linkplain Builder#retryStatuses retry status} (502, 503 and
 *       504 by default). A request with a {@linkplain okhttp3.RequestBody#isOneShot() one-shot
 *       body} is only resent if it failed before anything was written.
 *   <li>No server is tried twice for one request; at most {@linkplain Builder#maxAttempts
 *       maxAttempts} servers are tried; every attempt after the first must be granted by the
 *       service's {@link RetryBudget}. A failover pick excludes the servers tried ({@link
 *       io.lbkit.core.PickContext.Builder#exclude}) and does not move the selector's rotation, so
 *       first attempts keep their share: with one of n servers refusing connections, each server
 *       still gets about 1/n of first attempts.
 *   <li>When no attempt produced a response, the caller gets a {@link LoadBalancingException} that
 *       lists each server tried and how it failed. When the last attempt produced a response (a 503
 *       that could not be retried, say), the caller gets that response.
 * </ul>
 *
 * <p>OkHttp's own silent retry ({@link OkHttpClient.Builder#retryOnConnectionFailure}) is turned
 * off for managed requests, so that every resend is one of the decisions above: counted, budgeted,
 * on a different server, and never of a non-idempotent request that may have been received. The
 * client's call timeout, if set, bounds all attempts together; its connect, read and write timeouts
 * apply to each attempt.
 *
 * <h2>Sticky sessions</h2>
 *
 * <p>With {@link Builder#hashKeyHeader} or {@link Builder#hashKeyCookie} and a hash selector, the
 * first attempt of a request picks by the header's or cookie's value, so a session stays on one
 * server while it is eligible; a failover leaves it for another.
 *
 * <h2>Server-reported load</h2>
 *
 * <p>A response that carries the {@code endpoint-load-metrics} header (Envoy's text form, as
 * lb-server's filter sends it) with a RIF is handed to the balancer as a {@link
 * io.lbkit.core.LoadReport} ({@link LoadBalancer#reportLoad}), which the probing selector uses as
 * it uses a probe's answer; see {@link Builder#loadReports} and {@link OkHttpProbeTransport}.
 *
 * <h2>Per-request overrides</h2>
 *
 * <p>Tag a request with a {@link ServerHint} to pin it to a server or to prefer one, and with an
 * {@link Idempotency} to override the method's idempotency.
 *
 * @since 0.1.0
 */
public final class LoadBalancingInterceptor implements Interceptor {
  /** One logical service: its balancer and its retry budget's counters. */
  static final class Service {
    final String host;
    final LoadBalancer balancer;
    final RetryBudgetCounter budget;

    Service(String host, LoadBalancer balancer, RetryBudgetCounter budget) {
      this.host = host;
      this.balancer = balancer;
      this.budget = budget;
    }
  }

  private static final Logger logger = LoggerFactory.getLogger(LoadBalancingInterceptor.class);

  private final ImmutableMap<String, Service> services;
  final IntPredicate failureStatus;
  final ImmutableSet<Integer> retryStatuses;
  final int maxAttempts;
  private final RetryBudget retryBudget;
  final @Nullable String hashKeyHeader;
  final @Nullable String hashKeyCookie;
  private final @Nullable RetryListener retryListener;
  final boolean loadReports;

  private LoadBalancingInterceptor(Builder b) {
    ImmutableMap.Builder<String, Service> s = ImmutableMap.builder();
    for (Map.Entry<String, LoadBalancer> e : b.services.entrySet()) {
      s.put(
          e.getKey(),
          new Service(e.getKey(), e.getValue(), new RetryBudgetCounter(b.retryBudget, b.ticker)));
    }
    this.services = s.buildOrThrow();
    this.failureStatus = b.failureStatus;
    this.retryStatuses = b.retryStatuses;
    this.maxAttempts = b.maxAttempts;
    this.retryBudget = b.retryBudget;
    this.hashKeyHeader = b.hashKeyHeader;
    this.hashKeyCookie = b.hashKeyCookie;
    this.retryListener = b.retryListener;
    this.loadReports = b.loadReports;
  }

  /** Tells the retry listener, if any, of a retry after a retryable status. */
  void retried(LoadBalancer balancer, Server failed, int statusCode) {
    RetryListener l = retryListener;
    if (l != null) {
      try {
        l.onRetry(balancer, failed, statusCode);
      } catch (RuntimeException e) {
        logger.warn("{}: retry listener {} failed", balancer.name(), l, e);
      }
    }
  }

  /** Tells the retry listener, if any, of a failover after an attempt without a response. */
  void failedOver(LoadBalancer balancer, Server failed, Outcome outcome) {
    RetryListener l = retryListener;
    if (l != null) {
      try {
        l.onFailover(balancer, failed, outcome);
      } catch (RuntimeException e) {
        logger.warn("{}: retry listener {} failed", balancer.name(), l, e);
      }
    }
  }

  /** Returns a builder; at least one {@linkplain Builder#service service} is required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Service service = services.get(chain.request().url().host());
    if (service == null) {
      return chain.proceed(chain.request());
    }
    return new BalancedCall(this, service, chain).execute();
  }

  /** The logical host names this interceptor routes, in the order they were configured. */
  public ImmutableSet<String> services() {
    return services.keySet();
  }

  /** The balancer of a logical host name, if this interceptor routes it. */
  public Optional<LoadBalancer> balancer(String logicalHost) {
    Service s = services.get(requireNonNull(logicalHost, "logicalHost").toLowerCase(Locale.ROOT));
    return s == null ? Optional.empty() : Optional.of(s.balancer);
  }

  /** The retry budget each service gets. */
  public RetryBudget retryBudget() {
    return retryBudget;
  }

  /** Retries granted by a service's budget in its current window; for tests and diagnostics. */
  long retriesInWindow(String logicalHost) {
    Service s = requireNonNull(services.get(logicalHost), logicalHost);
    return s.budget.retriesInWindow();
  }

  @Override
  public String toString() {
    return "LoadBalancingInterceptor{services="
        + services.keySet()
        + ", maxAttempts="
        + maxAttempts
        + ", retryStatuses="
        + retryStatuses
        + ", "
        + retryBudget
        + '}';
  }

  /**
   * Builds a {@link LoadBalancingInterceptor}. Every setting is validated when it is set, with a
   * message naming the bad value.
   */
  public static final class Builder {
    private final Map<String, LoadBalancer> services = new LinkedHashMap<>();
    private IntPredicate failureStatus = code -> code >= 500 || code == 429;
    private ImmutableSet<Integer> retryStatuses = ImmutableSet.of(502, 503, 504);
    private int maxAttempts = 3;
    private RetryBudget retryBudget = RetryBudget.defaults();
    private Ticker ticker = Ticker.systemTicker();
    private @Nullable String hashKeyHeader;
    private @Nullable String hashKeyCookie;
    private @Nullable RetryListener retryListener;
    private boolean loadReports = true;

    private Builder() {}

    /**
     * Routes requests whose URL host is {@code logicalHost} through this balancer. The host is a
     * bare name (no scheme, port or path) and is matched case-insensitively; the URL's scheme
     * decides between HTTP and HTTPS, and the picked server's port is used. A request URL for this
     * host must therefore carry no port (or its scheme's default, which is the same URL to OkHttp):
     * one that names another port ({@code http://inventory:9999/}) fails with a {@link
     * LoadBalancingException} rather than have its port silently replaced.
     *
     * @throws IllegalArgumentException if the name is not a valid bare host name or is already
     *     configured
     */
    @CanIgnoreReturnValue
    public Builder service(String logicalHost, LoadBalancer balancer) {
      requireNonNull(logicalHost, "logicalHost");
      requireNonNull(balancer, "balancer");
      String host = checkHost(logicalHost);
      checkArgument(!services.containsKey(host), "service '%s' is already configured", logicalHost);
      services.put(host, balancer);
      return this;
    }

    private static String checkHost(String logicalHost) {
      HttpUrl url = HttpUrl.parse("http://" + logicalHost + "/");
      String lower = logicalHost.toLowerCase(Locale.ROOT);
      checkArgument(
          !logicalHost.isBlank() && url != null && url.host().equals(lower),
          "logical host must be a bare host name such as 'inventory' (no scheme, port or path)"
              + " but was '%s'",
          logicalHost);
      return lower;
    }

    /**
     * Which HTTP statuses count as a failure of the server (reported as {@code FAILURE}, which
     * feeds outlier detection and latency-aware selectors). Default: 5xx and 429.
     */
    @CanIgnoreReturnValue
    public Builder failureStatuses(IntPredicate isFailure) {
      this.failureStatus = requireNonNull(isFailure, "isFailure");
      return this;
    }

    /**
     * The statuses on which an idempotent request is sent again to another server. Default: 502,
     * 503, 504. Pass none to retry only after I/O errors.
     *
     * <p>Only error statuses (4xx and 5xx) can be retry statuses: resending a request that was
     * answered with 1xx, 2xx or 3xx would repeat a request the server handled.
     *
     * @throws IllegalArgumentException if a code is outside 400..599
     */
    @CanIgnoreReturnValue
    public Builder retryStatuses(int... codes) {
      requireNonNull(codes, "codes");
      ImmutableSet.Builder<Integer> set = ImmutableSet.builder();
      for (int code : codes) {
        checkArgument(
            code >= 400 && code <= 599,
            "retry status must be an error status in 400..599 but was %s",
            code);
        set.add(code);
      }
      this.retryStatuses = set.build();
      return this;
    }

    /**
     * The most servers tried for one request, the first attempt included; 3 by default, 1 turns
     * failover off.
     *
     * @throws IllegalArgumentException if not in 1..10
     */
    @CanIgnoreReturnValue
    public Builder maxAttempts(int maxAttempts) {
      checkArgument(
          maxAttempts >= 1 && maxAttempts <= 10,
          "maxAttempts must be in 1..10 but was %s",
          maxAttempts);
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** The retry budget of each service; {@link RetryBudget#defaults()} by default. */
    @CanIgnoreReturnValue
    public Builder retryBudget(RetryBudget budget) {
      this.retryBudget = requireNonNull(budget, "budget");
      return this;
    }

    /**
     * Sticky sessions and consistent hashing: the value of this request header becomes the pick's
     * {@linkplain io.lbkit.core.PickContext#ofHashKey hash key}, so that with a hash selector
     * ({@link io.lbkit.core.Selectors#ringHash()}, {@code maglev()}, {@code boundedLoadHash(..)})
     * every request with the same value goes to the same server while it is eligible. Requests
     * without the header, and retries (which must go to another server), pick without a key.
     *
     * @throws IllegalArgumentException if the name is not an HTTP header name (an RFC 9110 token:
     *     letters, digits and {@code !#$%&'*+-.^_`|~}, no spaces)
     */
    @CanIgnoreReturnValue
    public Builder hashKeyHeader(String headerName) {
      requireNonNull(headerName, "headerName");
      checkArgument(
          isToken(headerName),
          "hash key header name must be an HTTP token such as 'X-Session-Id' but was '%s'",
          headerName);
      this.hashKeyHeader = headerName;
      return this;
    }

    /**
     * Like {@link #hashKeyHeader(String)}, with the value of this cookie of the request's {@code
     * Cookie} header (a session cookie, say). When both are set, the header wins.
     *
     * @throws IllegalArgumentException if the name is not a cookie name (an RFC 6265 token:
     *     letters, digits and {@code !#$%&'*+-.^_`|~}, no spaces, {@code =} or {@code ;})
     */
    @CanIgnoreReturnValue
    public Builder hashKeyCookie(String cookieName) {
      requireNonNull(cookieName, "cookieName");
      checkArgument(
          isToken(cookieName),
          "hash key cookie name must be an HTTP token such as 'SESSION' but was '%s'",
          cookieName);
      this.hashKeyCookie = cookieName;
      return this;
    }

    /** Whether {@code s} is an RFC 9110 token, the syntax of header names and cookie names. */
    private static boolean isToken(String s) {
      if (s.isEmpty()) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
          return false;
        }
      }
      return true;
    }

    /**
     * The time source of the retry budget's window; {@link Ticker#systemTicker()} by default. Tests
     * inject a fake ticker.
     */
    @CanIgnoreReturnValue
    public Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Hears every retry and failover, for metrics (see {@link RetryListener}); none by default.
     *
     * @throws IllegalStateException if a retry listener was already set
     */
    @CanIgnoreReturnValue
    public Builder retryListener(RetryListener listener) {
      checkState(retryListener == null, "retryListener was already set to %s", retryListener);
      this.retryListener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Whether to read the load a server reports on each response (the {@code endpoint-load-metrics}
     * header that lb-server's filter adds) and hand it to the balancer with {@link
     * LoadBalancer#reportLoad}, for the probing selector: fresh load at no extra round trip. On by
     * default; a response without the header costs one header look-up.
     *
     * @since 0.3.0
     */
    @CanIgnoreReturnValue
    public Builder loadReports(boolean read) {
      this.loadReports = read;
      return this;
    }

    /**
     * Returns the interceptor.
     *
     * @throws IllegalStateException if no service was configured, or if the OkHttp on the class
     *     path is older than 5.4.0 (the message names the version found)
     */
    public LoadBalancingInterceptor build() {
      OkHttpVersion.check();
      checkState(
          !services.isEmpty(),
          "no service configured: call service(\"logical-host\", balancer) at least once");
      return new LoadBalancingInterceptor(this);
    }
  }
}
