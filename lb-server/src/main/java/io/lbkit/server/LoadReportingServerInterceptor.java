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

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Objects;

/**
 * A gRPC {@link ServerInterceptor} that counts each call in its {@link LoadRecorder} (requests in
 * flight, latency by RIF, errors) and sends the server's load in every call's trailers, as the ORCA
 * {@value OrcaLoadReports#TRAILER} trailer (see {@link OrcaLoadReports}), so that clients learn the
 * load from every reply: lbkit's gRPC adapter, gRPC's own weighted round robin and Envoy read it.
 *
 * <pre>{@code
 * LoadRecorder recorder = LoadRecorder.create();
 * Server server = ServerBuilder.forPort(8080)
 *     .addService(new MyService())
 *     .addService(LoadProbeService.create(recorder))
 *     .intercept(LoadReportingServerInterceptor.create(recorder))
 *     .build();
 * }</pre>
 *
 * <p>Calls to the {@link LoadProbeService} pass through uncounted: probes are not load. A call
 * counts as failed when it closes with a status other than OK or is cancelled.
 */
public final class LoadReportingServerInterceptor implements ServerInterceptor {
  /** The trailer key of {@value OrcaLoadReports#TRAILER}. */
  public static final Metadata.Key<byte[]> TRAILER_KEY =
      Metadata.Key.of(OrcaLoadReports.TRAILER, Metadata.BINARY_BYTE_MARSHALLER);

  private final LoadRecorder recorder;

  private LoadReportingServerInterceptor(LoadRecorder recorder) {
    this.recorder = Objects.requireNonNull(recorder, "recorder");
  }

  /** An interceptor that counts calls in {@code recorder} and reports its load in trailers. */
  public static LoadReportingServerInterceptor create(LoadRecorder recorder) {
    return new LoadReportingServerInterceptor(recorder);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (call.getMethodDescriptor().getFullMethodName().equals(LoadProbeService.FULL_METHOD_NAME)) {
      return next.startCall(call, headers);
    }
    LoadRecorder.Request request = recorder.start();
    ServerCall<ReqT, RespT> reporting =
        new SimpleForwardingServerCall<ReqT, RespT>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            // Counted out first: the report then describes the load the next request will find.
            request.finish(!status.isOk());
            trailers.put(TRAILER_KEY, OrcaLoadReports.encode(recorder.report()));
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<ReqT> listener;
    try {
      listener = next.startCall(reporting, headers);
    } catch (RuntimeException | Error e) {
      request.finish(true);
      throw e;
    }
    return new SimpleForwardingServerCallListener<ReqT>(listener) {
      @Override
      public void onCancel() {
        request.finish(true);
        super.onCancel();
      }

      @Override
      public void onComplete() {
        request.finish(false); // already counted out by close(); here in case close was skipped
        super.onComplete();
      }
    };
  }
}
