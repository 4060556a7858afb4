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
import java.nio.charset.StandardCharsets;
import java.util.Objects;

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
  public static final String DEFAULT_PROBE_PATH = "/lbkit/probe";

  private final LoadRecorder recorder;
  private final String probePath;

  private LoadReportingFilter(LoadRecorder recorder, String probePath) {
    this.recorder = Objects.requireNonNull(recorder, "recorder");
    Objects.requireNonNull(probePath, "probePath");
    if (!probePath.startsWith("/") || probePath.contains("?") || probePath.contains("#")) {
      throw new IllegalArgumentException(
          "probePath must be an absolute path without query or fragment: \"" + probePath + "\"");
    }
    this.probePath = probePath;
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
    return probePath;
  }

  /** A handler that answers every exchange as a probe: for a context of the probe path itself. */
  public HttpHandler probeHandler() {
    return this::answerProbe;
  }

  @Override
  public String description() {
    return "lbkit load reporting (" + LoadMetricsHeader.NAME + ", probe path " + probePath + ")";
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    String method = exchange.getRequestMethod();
    if (probePath.equals(exchange.getRequestURI().getPath())
        && (method.equals("GET") || method.equals("HEAD"))) {
      answerProbe(exchange);
      return;
    }
    LoadRecorder.Request request = recorder.start();
    boolean failure = true;
    try {
      chain.doFilter(
          exchange instanceof HttpsExchange
              ? new ReportingHttpsExchange((HttpsExchange) exchange, this)
              : new ReportingExchange(exchange, this));
      int code = exchange.getResponseCode();
      failure = code < 0 || code >= 500;
    } finally {
      request.finish(failure);
    }
  }

  /** Sets the load header; called as the response headers are about to be sent. */
  void addHeader(HttpExchange exchange) {
    exchange.getResponseHeaders().set(LoadMetricsHeader.NAME, header());
  }

  private String header() {
    return LoadMetricsHeader.format(recorder.report());
  }

  private void answerProbe(HttpExchange exchange) throws IOException {
    try (exchange) {
      String text = header();
      exchange.getResponseHeaders().set(LoadMetricsHeader.NAME, text);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(200, -1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }
}
