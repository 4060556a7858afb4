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
package io.lbkit.server;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsExchange;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A filter for the JDK {@code HttpServer} that counts each exchange in its {@link LoadRecorder}
 * (requests in flight, latency by RIF, 5xx and exceptions as errors), adds the server's load to
 * every response as the {@value LoadMetricsHeader#NAME} header (see {@link LoadMetricsHeader}), and
 * answers probes: a {@code GET} or {@code HEAD} of the probe path ({@value #DEFAULT_PROBE_PATH}
 * unless configured) gets {@code 200} with the header (and the same text as body), without being
 * counted as load.
 *
 * <pre>{@code
 * LoadRecorder recorder = LoadRecorder.create();
 * LoadReportingFilter filter = LoadReportingFilter.create(recorder);
 * HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
 * server.createContext("/", handler).getFilters().add(filter);
 * }</pre>
 *
 * <p>The probe path is answered by whatever context it falls in that has this filter; when no such
 * context covers it, add {@link #probeHandler()} as its own context. The header is set as the
 * handler sends the response headers, so it carries the load of that moment.
 */
public final class LoadReportingFilter extends Filter {
  /** The probe path unless configured. */
  public static final String DEFAULT_PROBE_PATH = LoadReporting.DEFAULT_PROBE_PATH;

  private final LoadReporting reporting;

  private LoadReportingFilter(LoadRecorder recorder, String probePath) {
    this.reporting = new LoadReporting(recorder, probePath);
  }

  /** A filter that answers probes at {@value #DEFAULT_PROBE_PATH}. */
  public static LoadReportingFilter create(LoadRecorder recorder) {
    return new LoadReportingFilter(recorder, DEFAULT_PROBE_PATH);
  }

  /**
   * A filter that answers probes at {@code probePath}.
   *
   * @throws IllegalArgumentException if {@code probePath} does not start with {@code /} or holds a
   *     query or fragment
   */
  public static LoadReportingFilter create(LoadRecorder recorder, String probePath) {
    return new LoadReportingFilter(recorder, probePath);
  }

  /** The path whose {@code GET} and {@code HEAD} this filter answers as probes. */
  public String probePath() {
    return reporting.probePath();
  }

  /** A handler that answers every exchange as a probe: for a context of the probe path itself. */
  public HttpHandler probeHandler() {
    return this::answerProbe;
  }

  @Override
  public String description() {
    return reporting.description("the JDK HttpServer");
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    if (reporting.isProbe(exchange.getRequestMethod(), exchange.getRequestURI().getPath())) {
      answerProbe(exchange);
      return;
    }
    LoadRecorder.Request request = reporting.recorder().start();
    boolean failure = true;
    try {
      chain.doFilter(
          exchange instanceof HttpsExchange https
              ? new ReportingHttpsExchange(https, this)
              : new ReportingExchange(exchange, this));
      failure = LoadReporting.failed(exchange.getResponseCode());
    } finally {
      request.finish(failure);
    }
  }

  /** Sets the load header; called as the response headers are about to be sent. */
  void addHeader(HttpExchange exchange) {
    exchange.getResponseHeaders().set(LoadMetricsHeader.NAME, reporting.header());
  }

  private void answerProbe(HttpExchange exchange) throws IOException {
    try (exchange) {
      String text = reporting.header();
      exchange.getResponseHeaders().set(LoadMetricsHeader.NAME, text);
      exchange.getResponseHeaders().set("Content-Type", LoadReporting.PROBE_CONTENT_TYPE);
      exchange.getResponseHeaders().set("Cache-Control", LoadReporting.PROBE_CACHE_CONTROL);
      byte[] body = LoadReporting.probeBody(exchange.getRequestMethod(), text);
      // -1: no body at all (a HEAD's reply).
      exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }
}
