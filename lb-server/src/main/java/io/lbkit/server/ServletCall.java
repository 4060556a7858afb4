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

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * One request counted by {@link LoadReportingServletFilter}, from its arrival until its response is
 * done: as the chain returns, or, for a request that went asynchronous, as its async context
 * completes. It hands the chain a response that sets the load header again as the application
 * starts its response; the request stays the container's own.
 */
final class ServletCall implements AsyncListener {
  private final LoadReporting reporting;
  private final HttpServletResponse response;
  private final LoadRecorder.Request counted;
  private final HttpServletRequest request;
  private final HttpServletResponse wrappedResponse;
  // Set by an async listener's thread and read by the one that completes the async cycle: volatile,
  // because a container may run onError or onTimeout and onComplete on different threads.
  private volatile boolean asyncFailed;

  ServletCall(LoadReporting reporting, HttpServletRequest request, HttpServletResponse response) {
    this.reporting = reporting;
    this.response = response;
    this.counted = reporting.recorder().start();
    // Counted first, so that the header counts this request too, as the HttpServer filter's does.
    response.setHeader(LoadMetricsHeader.NAME, reporting.header());
    this.request = request;
    this.wrappedResponse = new Response(response);
  }

  HttpServletResponse response() {
    return wrappedResponse;
  }

  /**
   * The chain has returned (or thrown): counts the request out, unless it went asynchronous, when
   * the async context's completion will.
   */
  void dispatchReturned(boolean threw) {
    // Still true if another thread has called complete() or dispatch() meanwhile: both wait for
    // this dispatch to return (Jetty and Tomcat alike), and so may a listener added now.
    if (request.isAsyncStarted()) {
      try {
        request.getAsyncContext().addListener(this);
        return;
      } catch (IllegalStateException e) {
        // A container that refuses the listener would otherwise leave the request counted in
        // flight for good, skewing every later report: count it out now instead.
      }
    }
    refreshHeader(); // unless sent already, the container sends the headers after this
    counted.finish(threw || LoadReporting.failed(response.getStatus()));
  }

  private void refreshHeader() {
    if (!response.isCommitted()) {
      response.setHeader(LoadMetricsHeader.NAME, reporting.header());
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    counted.finish(asyncFailed || LoadReporting.failed(response.getStatus()));
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    asyncFailed = true; // the container's error handling follows, then onComplete
  }

  @Override
  public void onError(AsyncEvent event) {
    asyncFailed = true;
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // A new async cycle (after a dispatch) keeps only the listeners that register again.
    AsyncContext next = event.getAsyncContext();
    if (next != null) {
      next.addListener(this);
    }
  }

  /** Sets the load header again as the application starts its response. */
  private final class Response extends HttpServletResponseWrapper {
    Response(HttpServletResponse response) {
      super(response);
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      refreshHeader();
      return super.getOutputStream();
    }

    @Override
    public PrintWriter getWriter() throws IOException {
      refreshHeader();
      return super.getWriter();
    }

    @Override
    public void flushBuffer() throws IOException {
      refreshHeader();
      super.flushBuffer();
    }

    @Override
    public void sendError(int sc, String msg) throws IOException {
      refreshHeader();
      super.sendError(sc, msg);
    }

    @Override
    public void sendError(int sc) throws IOException {
      refreshHeader();
      super.sendError(sc);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
      refreshHeader();
      super.sendRedirect(location);
    }

    @Override
    public void reset() {
      super.reset();
      refreshHeader(); // reset clears the headers: every response carries the load
    }
  }
}
