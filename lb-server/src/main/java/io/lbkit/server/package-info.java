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
/**
 * Server-reported load for probing clients: a service counts its requests in flight (RIF) and their
 * latency with a {@link io.lbkit.server.LoadRecorder}, and reports a {@link
 * io.lbkit.server.ServerLoad} on every response and to probes.
 *
 * <ul>
 *   <li>gRPC: {@link io.lbkit.server.LoadReportingServerInterceptor} adds the ORCA {@code
 *       endpoint-load-metrics-bin} trailer to every call, and {@link
 *       io.lbkit.server.LoadProbeService} answers the probe method.
 *   <li>HTTP: {@link io.lbkit.server.LoadReportingFilter} for the JDK {@code HttpServer}, and
 *       {@link io.lbkit.server.LoadReportingServletFilter} for a Jakarta Servlet 6 container, add
 *       the {@code endpoint-load-metrics} header to every response and answer a probe path.
 * </ul>
 *
 * <p>The two wire forms each have one codec, used by the servers here and by lbkit's client
 * adapters: {@link io.lbkit.server.OrcaLoadReports} (the binary {@code
 * xds.data.orca.v3.OrcaLoadReport} message) and {@link io.lbkit.server.LoadMetricsHeader} (Envoy's
 * text header). Nothing in this package accepts or returns null unless marked {@code @Nullable}.
 */
@NullMarked
package io.lbkit.server;

import org.jspecify.annotations.NullMarked;
