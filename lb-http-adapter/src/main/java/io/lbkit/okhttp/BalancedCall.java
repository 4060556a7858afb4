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

import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadReport;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.PickContext;
import io.lbkit.core.Server;
import io.lbkit.okhttp.LoadBalancingException.Attempt;
import io.lbkit.okhttp.LoadBalancingInterceptor.Service;
import io.lbkit.server.LoadMetricsHeader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/** One load-balanced call: its attempts, their outcomes and the failover decisions. */
final class BalancedCall {
  private static final ImmutableList<String> IDEMPOTENT_METHODS =
      ImmutableList.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE");

  private final LoadBalancingInterceptor config;
  private final Service service;
  private final LoadBalancer balancer;
  private final Interceptor.Chain chain;
  private final Request request;
  private final List<Attempt> failures = new ArrayList<>(2);
  private final Set<String> tried = new HashSet<>(4);
  private final @Nullable PickContext firstContext;
  private String stopReason = "";

  BalancedCall(LoadBalancingInterceptor config, Service service, Interceptor.Chain chain) {
    this.config = config;
    this.service = service;
    this.balancer = service.balancer;
    this.chain = chain;
    this.request = chain.request();
    this.firstContext = hashKeyContext();
  }

  Response execute() throws IOException {
    HttpUrl url = request.url();
    if (url.port() != HttpUrl.defaultPort(url.scheme())) {
      // The picked server's port replaces the URL's: a port the caller wrote would be ignored.
      throw new LoadBalancingException(
          service.host,
          List.of(),
          "the URL names port "
              + url.port()
              + ", but a load-balanced URL takes the port of the server it is sent to: leave the"
              + " port out ("
              + url.scheme()
              + "://"
              + service.host
              + "/...)",
          null);
    }
    ServerHint hint = request.tag(ServerHint.class);
    boolean pinned = hint != null && hint.isPinned();
    AttemptTarget target = first(hint);
    service.budget.recordRequest();

    AttemptListener listener = new AttemptListener();
    chain.call().addEventListener(listener);
    boolean idempotent = isIdempotent(request);
    RequestBody body = request.body();
    boolean oneShot = body != null && body.isOneShot();

    for (int attempt = 1; ; attempt++) {
      tried.add(target.server.id());
      listener.reset();
      Response response;
      try {
        response = send(target.server);
      } catch (IOException e) {
        if (chain.call().isCanceled()
            || (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException))) {
          // The caller cancelled, the call timeout expired or the thread was interrupted: stop,
          // and do not blame the server.
          target.complete(Outcome.CANCELLED);
          throw e;
        }
        boolean reached = listener.requestStarted();
        Outcome outcome =
            !reached
                ? Outcome.CONNECT_FAILURE
                : e instanceof SocketTimeoutException ? Outcome.TIMEOUT : Outcome.FAILURE;
        target.complete(outcome);
        failures.add(new Attempt(target.server, outcome, describe(e)));
        AttemptTarget next = null;
        if (pinned) {
          stopReason = "the request is pinned to " + target.server.id();
        } else if (reached && !idempotent) {
          stopReason = "the request may have reached the server and is not idempotent";
        } else if (reached && oneShot) {
          stopReason = "the request body is one-shot and was already sent";
        } else {
          next = next(attempt);
        }
        if (next == null) {
          throw new LoadBalancingException(service.host, failures, stopReason, e);
        }
        config.failedOver(balancer, target.server, outcome);
        target = next;
        continue;
      } catch (RuntimeException | Error e) {
        target.complete(Outcome.CANCELLED);
        throw e;
      }

      if (response.networkResponse() == null) {
        // Served from OkHttp's cache: says nothing about the server.
        target.complete(Outcome.CANCELLED);
        return response;
      }
      // The headers are here: that is the server's latency. The body may stream for much longer
      // at the caller's pace; the pick stays in flight until it is closed (see accounted()).
      target.responseStarted();
      if (config.loadReports) {
        reportLoad(target, response);
      }
      int code = response.code();
      Outcome outcome = config.failureStatus.test(code) ? Outcome.FAILURE : Outcome.SUCCESS;
      if (config.retryStatuses.contains(code) && idempotent && !oneShot && !pinned) {
        AttemptTarget next = next(attempt);
        if (next != null) {
          target.complete(outcome);
          response.close();
          failures.add(new Attempt(target.server, outcome, "HTTP " + code));
          config.retried(balancer, target.server, code);
          target = next;
          continue;
        }
      }
      return accounted(response, target, outcome);
    }
  }

  /**
   * Hands the load the server reported in this response's header (lb-server's filter, or any server
   * that sends Envoy's text form with a RIF) to the balancer, for the probing selector. An attempt
   * to a hinted server has no endpoint to report for, and is skipped.
   */
  private void reportLoad(AttemptTarget target, Response response) {
    Endpoint endpoint = target.endpoint();
    String header = response.header(LoadMetricsHeader.NAME);
    if (endpoint == null || header == null) {
      return;
    }
    LoadReport report = ServerLoadReports.fromHeader(header);
    if (report != null) {
      balancer.reportLoad(endpoint, report);
    }
  }

  /** Sends one attempt to this server, keeping the logical host for TLS (see the interceptor). */
  private Response send(Server server) throws IOException {
    HttpUrl url = request.url();
    Request.Builder attempt =
        request.newBuilder().url(url.newBuilder().port(server.port()).build());
    if (request.header("Host") == null) {
      attempt.header("Host", hostHeader(url));
    }
    return chain
        .withDns(new ServerDns(service.host, server, chain.getDns()))
        .withProxy(Proxy.NO_PROXY)
        .withRetryOnConnectionFailure(false)
        .proceed(attempt.build());
  }

  private static String hostHeader(HttpUrl url) {
    String host = url.host().contains(":") ? "[" + url.host() + "]" : url.host();
    return url.port() == HttpUrl.defaultPort(url.scheme()) ? host : host + ":" + url.port();
  }

  /** Wraps the body so that the attempt completes when the caller has read or closed it. */
  private static Response accounted(Response response, AttemptTarget target, Outcome outcome) {
    if (!target.isAccounted()) {
      return response;
    }
    ResponseBody body = response.body();
    if (body.contentLength() == 0) {
      target.complete(outcome);
      return response;
    }
    return response.newBuilder().body(new AccountingResponseBody(body, target, outcome)).build();
  }

  /** The first attempt's server: the balancer's pick, or the hinted server. */
  private AttemptTarget first(@Nullable ServerHint hint) throws LoadBalancingException {
    try {
      if (hint == null) {
        // The hot path, without a handle: everything below is for hints.
        return pick(firstContext);
      }
      String id = hint.serverId();
      // A pick of exactly that server, which moves no selector state: a hinted request must not
      // shift the rotation the other requests follow.
      Optional<Pick> hinted = balancer.pickServer(id);
      if (hint.isPinned()) {
        if (hinted.isPresent()) {
          return AttemptTarget.of(hinted.get());
        }
        // Not eligible now (unhealthy, ejected, draining): a pin goes there anyway, unaccounted.
        Server server =
            balancer
                .server(id)
                .orElseThrow(
                    () ->
                        new LoadBalancingException(
                            service.host,
                            List.of(),
                            "the request is pinned to server '"
                                + id
                                + "', which is not one of its servers "
                                + ids(balancer.servers()),
                            null));
        return AttemptTarget.unaccounted(server);
      }
      if (hinted.isPresent()) {
        return AttemptTarget.of(hinted.get());
      }
      return pick(firstContext);
    } catch (NoAvailableServerException e) {
      throw new LoadBalancingException(
          service.host, List.of(), "no server available: " + e.getMessage(), e);
    }
  }

  /**
   * The server for the next attempt, or null (with {@link #stopReason} set) when there is none:
   * attempts exhausted, no untried eligible server, or no retry budget left.
   *
   * <p>The pick excludes the servers already tried. Such a pick does not go through the selector's
   * rotation, so failovers leave the order that first attempts follow alone: with one of n servers
   * refusing connections, each server still gets about 1/n of first attempts. With a hash key, the
   * key stays in the context, so that the retries of one session agree on where they go.
   */
  /** A pick without a handle: the endpoint and its start, kept in the attempt's target. */
  private AttemptTarget pick(@Nullable PickContext context) {
    long start = balancer.pickStart();
    Endpoint endpoint =
        context == null ? balancer.pickEndpoint(start) : balancer.pickEndpoint(start, context);
    return AttemptTarget.of(balancer, endpoint, start);
  }

  private @Nullable AttemptTarget next(int attemptsSoFar) {
    if (attemptsSoFar >= config.maxAttempts) {
      stopReason = "maxAttempts (" + config.maxAttempts + ") reached";
      return null;
    }
    PickContext.Builder context =
        firstContext == null ? PickContext.builder() : firstContext.toBuilder();
    for (String id : tried) {
      context.exclude(id);
    }
    AttemptTarget pick;
    try {
      pick = pick(context.build());
    } catch (NoAvailableServerException e) {
      stopReason =
          e.reason() == NoAvailableServerException.Reason.ALL_EXCLUDED
              ? "no other eligible server to try"
              : "no other server available: " + e.getMessage();
      return null;
    }
    if (!service.budget.tryRetry()) {
      pick.complete(Outcome.CANCELLED);
      stopReason = "retry budget exhausted (" + config.retryBudget() + ")";
      return null;
    }
    return pick;
  }

  /**
   * The request's hash key context for sticky sessions, or null without one. The first attempt
   * picks by it; a retry keeps the key but excludes the servers tried, so that the core picks among
   * the others by rendezvous hashing of the same key.
   */
  private @Nullable PickContext hashKeyContext() {
    String key = null;
    if (config.hashKeyHeader != null) {
      key = request.header(config.hashKeyHeader);
    }
    if (key == null && config.hashKeyCookie != null) {
      key = cookie(request, config.hashKeyCookie);
    }
    return key == null || key.isEmpty() ? null : PickContext.ofHashKey(key);
  }

  private static @Nullable String cookie(Request request, String name) {
    for (String header : request.headers("Cookie")) {
      for (String pair : Splitter.on(';').split(header)) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
          return pair.substring(eq + 1).trim();
        }
      }
    }
    return null;
  }

  private static boolean isIdempotent(Request request) {
    Idempotency tag = request.tag(Idempotency.class);
    if (tag != null) {
      return tag == Idempotency.IDEMPOTENT;
    }
    return IDEMPOTENT_METHODS.contains(request.method());
  }

  private static List<String> ids(List<Server> servers) {
    List<String> ids = new ArrayList<>(servers.size());
    for (Server s : servers) {
      ids.add(s.id());
    }
    return ids;
  }

  private static String describe(IOException e) {
    String name = e.getClass().getSimpleName();
    return e.getMessage() == null ? name : name + ": " + e.getMessage();
  }
}
