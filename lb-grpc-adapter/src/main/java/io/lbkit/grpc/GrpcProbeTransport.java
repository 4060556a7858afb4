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
package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadReport;
import io.lbkit.core.ProbeTransport;
import io.lbkit.core.Server;
import io.lbkit.server.LoadProbeService;
import io.lbkit.server.LoadReportingServerInterceptor;
import io.lbkit.server.OrcaLoadReports;
import io.lbkit.server.ServerLoad;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Probes a server for its load with lb-server's probe method ({@value
 * LoadProbeService#FULL_METHOD_NAME}) over that server's own subchannel, and reads the load that
 * ordinary calls carry in the ORCA trailer. Parsing is lb-server's ({@link OrcaLoadReports}, the
 * one decoder of the binary form); this maps its result onto the core's {@link LoadReport}.
 *
 * <p>Non-blocking: the probe is an asynchronous unary call with a deadline, completed from gRPC's
 * callback. A server with no ready subchannel fails its probe at once.
 */
final class GrpcProbeTransport implements ProbeTransport {
  private static final byte[] EMPTY = new byte[0];

  private final Function<Server, @Nullable Channel> channels;
  private final long timeoutNanos;

  /**
   * @param channels the channel over a server's own subchannel, or null if it has none
   * @param timeout each probe's deadline
   */
  GrpcProbeTransport(Function<Server, @Nullable Channel> channels, Duration timeout) {
    this.channels = requireNonNull(channels, "channels");
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public CompletionStage<LoadReport> probe(Endpoint endpoint) {
    CompletableFuture<LoadReport> result = new CompletableFuture<>();
    Channel channel = channels.apply(endpoint.server());
    if (channel == null) {
      result.completeExceptionally(
          new IllegalStateException("no ready subchannel to " + endpoint.server().id()));
      return result;
    }
    ClientCalls.asyncUnaryCall(
        channel.newCall(
            LoadProbeService.PROBE_METHOD,
            CallOptions.DEFAULT.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)),
        EMPTY,
        new StreamObserver<ServerLoad>() {
          @Override
          public void onNext(ServerLoad load) {
            LoadReport report = toReport(load);
            if (report == null) {
              result.completeExceptionally(
                  new IllegalStateException(
                      "probe of " + endpoint.server().id() + " answered no requests in flight"));
            } else {
              result.complete(report);
            }
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            // A unary call without a message fails in onError; nothing to do here.
          }
        });
    return result;
  }

  /** The report in a call's trailers, or null when there is none or it cannot be read. */
  static @Nullable LoadReport fromTrailers(Metadata trailers) {
    byte[] bin = trailers.get(LoadReportingServerInterceptor.TRAILER_KEY);
    if (bin == null) {
      return null;
    }
    try {
      return toReport(OrcaLoadReports.decode(bin));
    } catch (IllegalArgumentException e) {
      return null; // a malformed trailer says nothing about the load
    }
  }

  /** The core's report, or null when the server sent no RIF (ORCA without lbkit's metrics). */
  private static @Nullable LoadReport toReport(ServerLoad load) {
    int rif = load.requestsInFlightOrNegative();
    if (rif < 0) {
      return null;
    }
    // ServerLoad's caps equal LoadReport's; no latency means no recent request, spelt 0.
    return LoadReport.of(rif, Math.max(0, load.latencyNanos()), load.metrics());
  }

  @Override
  public String toString() {
    return "GrpcProbeTransport{"
        + LoadProbeService.FULL_METHOD_NAME
        + ", timeout="
        + Duration.ofNanos(timeoutNanos)
        + '}';
  }
}
