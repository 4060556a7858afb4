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

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The gRPC probe service: one unary method, {@value #FULL_METHOD_NAME}, that takes an empty request
 * and answers the server's current load as a serialized ORCA {@code OrcaLoadReport} (see {@link
 * OrcaLoadReports}). lbkit's gRPC adapter calls it over each server's own subchannel.
 *
 * <p>In proto terms: {@code service LoadProbe { rpc Probe(google.protobuf.Empty) returns
 * (xds.data.orca.v3.OrcaLoadReport); }} in package {@code lbkit.load.v1}. Probes are not counted as
 * load by {@link LoadReportingServerInterceptor}.
 */
public final class LoadProbeService implements BindableService {
  /** The service's name. */
  public static final String SERVICE_NAME = "lbkit.load.v1.LoadProbe";

  /** The probe method's full name. */
  public static final String FULL_METHOD_NAME = SERVICE_NAME + "/Probe";

  /** The probe method, for clients: request ignored (send an empty array), response the load. */
  public static final MethodDescriptor<byte[], ServerLoad> PROBE_METHOD =
      MethodDescriptor.<byte[], ServerLoad>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(FULL_METHOD_NAME)
          .setRequestMarshaller(new BytesMarshaller())
          .setResponseMarshaller(new LoadMarshaller())
          .setIdempotent(true)
          .setSafe(true)
          .build();

  private final LoadRecorder recorder;

  private LoadProbeService(LoadRecorder recorder) {
    this.recorder = Objects.requireNonNull(recorder, "recorder");
  }

  /** A probe service that answers {@code recorder}'s load. */
  public static LoadProbeService create(LoadRecorder recorder) {
    return new LoadProbeService(recorder);
  }

  @Override
  public ServerServiceDefinition bindService() {
    return ServerServiceDefinition.builder(SERVICE_NAME)
        .addMethod(PROBE_METHOD, new ProbeHandler(recorder))
        .build();
  }

  /** Answers each probe when its (empty) request is complete. */
  private static final class ProbeHandler implements ServerCallHandler<byte[], ServerLoad> {
    private final LoadRecorder recorder;

    ProbeHandler(LoadRecorder recorder) {
      this.recorder = recorder;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(
        ServerCall<byte[], ServerLoad> call, Metadata headers) {
      call.request(2); // a unary call has one message; asking for two lets a second one show
      return new ServerCall.Listener<>() {
        private boolean received;
        private boolean closed;

        @Override
        public void onMessage(byte[] message) {
          if (received) {
            closed = true;
            call.close(
                Status.INTERNAL.withDescription("more than one request for a unary call"),
                new Metadata());
          }
          received = true;
        }

        @Override
        public void onHalfClose() {
          if (closed) {
            return;
          }
          call.sendHeaders(new Metadata());
          call.sendMessage(recorder.report());
          call.close(Status.OK, new Metadata());
        }
      };
    }
  }

  /** Passes the request's bytes through. */
  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A {@link ServerLoad} as an {@code OrcaLoadReport}. */
  private static final class LoadMarshaller implements MethodDescriptor.Marshaller<ServerLoad> {
    @Override
    public InputStream stream(ServerLoad value) {
      return new ByteArrayInputStream(OrcaLoadReports.encode(value));
    }

    @Override
    public ServerLoad parse(InputStream stream) {
      try {
        return OrcaLoadReports.decode(stream.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
