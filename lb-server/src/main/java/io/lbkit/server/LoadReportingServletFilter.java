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

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A Servlet filter (Jakarta Servlet 6) that does what {@link LoadReportingFilter} does for the JDK
 * {@code HttpServer}: counts each request in its {@link LoadRecorder} (requests in flight, latency
 * by RIF, 5xx and exceptions as errors), adds the server's load to every response as the {@value
 * LoadMetricsHeader#NAME} header, and answers probes: a {@code GET} or {@code HEAD} of the probe
 * path ({@value #DEFAULT_PROBE_PATH} unless configured, within the web application) gets {@code
 * 200} with the header (and the same text as body), without being counted as load.
 *
 * <pre>{@code
 * LoadRecorder recorder = LoadRecorder.create();
 * FilterRegistration.Dynamic lbkit =
 *     servletContext.addFilter("lbkit-load", LoadReportingServletFilter.create(recorder));
 * lbkit.setAsyncSupported(true); // else no servlet behind it may go asynchronous
 * lbkit.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
 * }</pre>
 *
 * <p>The header is set as the request arrives, so that every response has it, and set again with
 * the load of that moment as the application starts its response (takes the response's stream or
 * writer, flushes, sends an error or a redirect), or, if it did none of these, as the filter
 * returns. A request that goes asynchronous ({@code request.startAsync()}) is counted until its
 * async context completes (through any further dispatches and async cycles), and its header carries
 * the load of when it arrived: its response is written by another thread, out of the filter's
 * sight.
 *
 * <p>Only the container's first dispatch of a request ({@link DispatcherType#REQUEST}) is counted;
 * the filter passes forwards, includes, error pages and async dispatches through untouched, so
 * mapping it for those too counts nothing twice. The probe path is matched against the path within
 * the web application (servlet path and path info): an application at {@code /shop} answers probes
 * at {@code /shop/lbkit/probe}, which the client's probe path must then name.
 *
 * <p>The Servlet API is an optional dependency of this module, provided by the container; nothing
 * else in this module needs it.
 */
public final class LoadReportingServletFilter implements Filter {
  /** The probe path unless configured. */
  public static final String DEFAULT_PROBE_PATH = LoadReporting.DEFAULT_PROBE_PATH;

  private final LoadReporting reporting;

  private LoadReportingServletFilter(LoadRecorder recorder, String probePath) {
    this.reporting = new LoadReporting(recorder, probePath);
  }

  /** A filter that answers probes at {@value #DEFAULT_PROBE_PATH}. */
  public static LoadReportingServletFilter create(LoadRecorder recorder) {
    return new LoadReportingServletFilter(recorder, DEFAULT_PROBE_PATH);
  }

  /**
   * A filter that answers probes at {@code probePath}, within the web application.
   *
   * @throws IllegalArgumentException if {@code probePath} does not start with {@code /} or holds a
   *     query or fragment
   */
  public static LoadReportingServletFilter create(LoadRecorder recorder, String probePath) {
    return new LoadReportingServletFilter(recorder, probePath);
  }

  /** The path, within the web application, whose {@code GET} and {@code HEAD} are probes. */
  public String probePath() {
    return reporting.probePath();
  }

  /**
   * Answers a probe, or counts the request while the rest of the chain handles it; requests that
   * are not HTTP, and dispatches other than the request's first, pass through untouched.
   */
  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request)
        || !(res instanceof HttpServletResponse response)
        || request.getDispatcherType() != DispatcherType.REQUEST) {
      chain.doFilter(req, res);
      return;
    }
    if (reporting.isProbe(request.getMethod(), pathWithinApplication(request))) {
      answerProbe(request, response);
      return;
    }
    ServletCall call = new ServletCall(reporting, request, response);
    boolean threw = true;
    try {
      chain.doFilter(request, call.response());
      threw = false;
    } finally {
      call.dispatchReturned(threw);
    }
  }

  /** Names the header and the probe path, for logs. */
  @Override
  public String toString() {
    return reporting.description("Servlet");
  }

  private static String pathWithinApplication(HttpServletRequest request) {
    String info = request.getPathInfo();
    String servletPath = request.getServletPath();
    return info == null ? servletPath : servletPath + info;
  }

  private void answerProbe(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String text = reporting.header();
    response.setStatus(HttpServletResponse.SC_OK);
    response.setHeader(LoadMetricsHeader.NAME, text);
    response.setHeader("Cache-Control", LoadReporting.PROBE_CACHE_CONTROL);
    response.setContentType(LoadReporting.PROBE_CONTENT_TYPE);
    byte[] body = LoadReporting.probeBody(request.getMethod(), text);
    if (body.length > 0) {
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    }
  }
}
