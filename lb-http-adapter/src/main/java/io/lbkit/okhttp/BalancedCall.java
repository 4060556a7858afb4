package io.lbkit.okhttp;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.PickContext;
import io.lbkit.core.Server;
import io.lbkit.okhttp.LoadBalancingException.Attempt;
import io.lbkit.okhttp.LoadBalancingInterceptor.Service;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
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

  /** A server to send an attempt to, with its pick (null in the rare unaccounted cases). */
  private static final class Target {
    final Server server;
    final @Nullable Pick pick;

    Target(Server server, @Nullable Pick pick) {
      this.server = server;
      this.pick = pick;
    }

    Target(Pick pick) {
      this(pick.server(), pick);
    }

    void complete(Outcome outcome) {
      if (pick != null) {
        pick.complete(outcome);
      }
    }
  }

  private final LoadBalancingInterceptor config;
  private final Service service;
  private final LoadBalancer balancer;
  private final Interceptor.Chain chain;
  private final Request request;
  private final List<Attempt> failures = new ArrayList<>(2);
  private final Set<String> tried = new HashSet<>(4);
  private String stopReason = "";

  BalancedCall(LoadBalancingInterceptor config, Service service, Interceptor.Chain chain) {
    this.config = config;
    this.service = service;
    this.balancer = service.balancer;
    this.chain = chain;
    this.request = chain.request();
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
    Target target = first(hint);
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
        Target next = null;
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
      int code = response.code();
      Outcome outcome = config.failureStatus.test(code) ? Outcome.FAILURE : Outcome.SUCCESS;
      if (config.retryStatuses.contains(code) && idempotent && !oneShot && !pinned) {
        Target next = next(attempt);
        if (next != null) {
          target.complete(outcome);
          response.close();
          failures.add(new Attempt(target.server, outcome, "HTTP " + code));
          target = next;
          continue;
        }
      }
      return accounted(response, target, outcome);
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

  /** Wraps the body so that the pick completes when the caller has read or closed it. */
  private static Response accounted(Response response, Target target, Outcome outcome) {
    Pick pick = target.pick;
    if (pick == null) {
      return response;
    }
    ResponseBody body = response.body();
    if (body.contentLength() == 0) {
      pick.complete(outcome);
      return response;
    }
    return response.newBuilder().body(new AccountingResponseBody(body, pick, outcome)).build();
  }

  /** The first attempt's server: the balancer's pick, or the hinted server. */
  private Target first(@Nullable ServerHint hint) throws LoadBalancingException {
    try {
      if (hint == null) {
        // The hot path: everything below is for hints.
        PickContext context = context();
        return new Target(context == null ? balancer.pick() : balancer.pick(context));
      }
      String id = hint.serverId();
      if (hint.isPinned()) {
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
        Pick pick = isEligible(id) ? acquire(s -> s.id().equals(id)) : null;
        return pick != null ? new Target(pick) : new Target(server, null);
      }
      if (isEligible(id)) {
        Pick pick = acquire(s -> s.id().equals(id));
        if (pick != null) {
          return new Target(pick);
        }
      }
      return new Target(balancer.pick());
    } catch (NoAvailableServerException e) {
      throw new LoadBalancingException(
          service.host, List.of(), "no server available: " + e.getMessage(), e);
    }
  }

  /**
   * The server for the next attempt, or null (with {@link #stopReason} set) when there is none:
   * attempts exhausted, no untried eligible server, or no retry budget left.
   */
  private @Nullable Target next(int attemptsSoFar) {
    if (attemptsSoFar >= config.maxAttempts) {
      stopReason = "maxAttempts (" + config.maxAttempts + ") reached";
      return null;
    }
    Server untried = null;
    for (Endpoint e : balancer.eligibleEndpoints()) {
      if (!tried.contains(e.server().id())) {
        untried = e.server();
        break;
      }
    }
    if (untried == null) {
      stopReason = "no other eligible server to try";
      return null;
    }
    Pick pick = acquire(s -> !tried.contains(s.id()));
    Target next = pick != null ? new Target(pick) : new Target(untried, null);
    if (!service.budget.tryRetry()) {
      next.complete(Outcome.CANCELLED);
      stopReason = "retry budget exhausted (" + config.retryBudget() + ")";
      return null;
    }
    return next;
  }

  /**
   * Picks until the balancer returns an acceptable server, holding the rejected picks meanwhile: a
   * held pick counts as in flight, which steers load-aware selectors away from servers already
   * rejected, and round robin moves on by itself. Gives up after a bounded number of picks.
   *
   * <p>This is the adapter's stand-in for a core pick that excludes servers (lb-core has none yet).
   */
  private @Nullable Pick acquire(Predicate<Server> accept) {
    int limit = 2 * balancer.eligibleEndpoints().size() + 2;
    List<Pick> rejected = new ArrayList<>(2);
    try {
      for (int i = 0; i < limit; i++) {
        Pick pick;
        try {
          pick = balancer.pick();
        } catch (NoAvailableServerException e) {
          return null;
        }
        if (accept.test(pick.server())) {
          return pick;
        }
        rejected.add(pick);
      }
      return null;
    } finally {
      for (Pick p : rejected) {
        p.close();
      }
    }
  }

  /**
   * The request's hash key context for sticky sessions, or null without one. Only the first attempt
   * uses it: a retry must go to another server, which a hash of the same key would not give.
   */
  private @Nullable PickContext context() {
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
      for (String pair : header.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
          return pair.substring(eq + 1).trim();
        }
      }
    }
    return null;
  }

  private boolean isEligible(String id) {
    for (Endpoint e : balancer.eligibleEndpoints()) {
      if (e.server().id().equals(id)) {
        return true;
      }
    }
    return false;
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
