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
package io.lbkit.examples;

import io.grpc.ManagedChannel;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadReport;
import io.lbkit.core.Server;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the READMEs' snippets take as given: the application's own variables and calls that a
 * snippet uses but does not declare ({@code servers}, {@code request}, {@code send(...)}). Each
 * snippet compiles as the body of a method of a subclass, so these are in scope. Nothing here is
 * run.
 */
@SuppressWarnings({"unused", "NullAway"})
abstract class SnippetContext {
  /** The application's servers. */
  protected List<Server> servers = List.of(Server.of("10.0.0.1", 8080));

  /** A balancer the snippet did not build. */
  protected LoadBalancer balancer;

  /** A channel the snippet did not build. */
  protected ManagedChannel channel;

  /** The application's request, and its session id. */
  protected Object request = new Object();

  protected String sessionId = "session-1";

  /** The application's metrics. */
  protected Metrics metrics = new Metrics();

  /** The web application's Servlet context. */
  protected jakarta.servlet.ServletContext servletContext;

  /** The application's Micrometer registry. */
  protected MeterRegistry registry = new SimpleMeterRegistry();

  /** The application's own reply type. */
  protected interface Reply {
    int code();
  }

  /** The application's own call to a server. */
  protected Reply send(String address, Object request) {
    return () -> 200;
  }

  /** The application's own asynchronous load query to a server (a probe). */
  protected CompletionStage<LoadReport> askForLoad(Server server) {
    return CompletableFuture.completedFuture(LoadReport.of(0, 1_000_000L));
  }

  /** The application's own metrics. */
  protected static final class Metrics {
    void record(String serverId, HealthState state) {}
  }

  abstract void run() throws Exception;
}
