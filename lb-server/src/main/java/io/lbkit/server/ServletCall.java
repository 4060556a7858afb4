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
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * One request counted by {@link LoadReportingServletFilter}, from its arrival until its response is
 * done: as the chain returns, or, for a request that went asynchronous, as its async context
 * completes. It hands the chain a request that notices {@code startAsync} (to listen to the async
 * context from the moment there is one, before any other thread can complete or dispatch it) and a
 * response that sets the load header again as the application starts its response.
 */
final class ServletCall implements AsyncListener {
  private final LoadReporting reporting;
  private final HttpServletResponse response;
  private final LoadRecorder.Request counted;
  private final HttpServletRequest wrappedRequest;
  private final HttpServletResponse wrappedResponse;
  // Written and read by the threads that run the request's dispatch and its async listeners, which
  // the container orders (a listener runs after the dispatch that started the async cycle has
  // returned); volatile all the same, so that a container that notifies from another thread sees
  // the dispatch's writes.
  private volatile boolean async;
  private volatile boolean asyncFailed;

  ServletCall(LoadReporting reporting, HttpServletRequest request, HttpServletResponse response) {
    this.reporting = reporting;
    this.response = response;
    this.counted = reporting.recorder().start();
    // Counted first, so that the header counts this request too, as the HttpServer filter's does.
    response.setHeader(LoadMetricsHeader.NAME, reporting.header());
    this.wrappedRequest = new Request(request);
    this.wrappedResponse = new Response(response);
  }

  HttpServletRequest request() {
    return wrappedRequest;
  }

  HttpServletResponse response() {
    return wrappedResponse;
  }

  /**
   * The chain has returned (or thrown): counts the request out, unless it went asynchronous, when
   * the async context's completion will.
   */
  void dispatchReturned(boolean threw) {
    if (!async && wrappedRequest.isAsyncStarted()) {
      // Started on the container's own request, past this filter's wrapper: listen from now.
      listen(wrappedRequest.getAsyncContext());
    }
    if (async) {
      return;
    }
    if (!threw && !response.isCommitted()) {
      refreshHeader(); // the container sends the headers after this: the load of this moment
    }
    counted.finish(threw || LoadReporting.failed(response.getStatus()));
  }

  private void listen(AsyncContext context) {
    async = true;
    context.addListener(this);
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

  /** Listens to the async context as soon as the application starts one. */
  private final class Request extends HttpServletRequestWrapper {
    Request(HttpServletRequest request) {
      super(request);
    }

    @Override
    public AsyncContext startAsync() {
      AsyncContext context = super.startAsync();
      started(context);
      return context;
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
      AsyncContext context = super.startAsync(request, response);
      started(context);
      return context;
    }

    private void started(AsyncContext context) {
      if (!async) {
        listen(context);
      }
      // Still the dispatching thread: the response is not yet another thread's to write.
      refreshHeader();
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
