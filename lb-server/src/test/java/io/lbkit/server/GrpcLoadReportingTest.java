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

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.xds.shaded.com.github.xds.data.orca.v3.OrcaLoadReport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real gRPC server on loopback with the interceptor and the probe service, real clients. */
class GrpcLoadReportingTest {
  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
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
      };

  static final MethodDescriptor<byte[], byte[]> WORK =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Work/Do")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  // Samples stay recent for the whole test, however slowly a loaded machine runs it.
  private final LoadRecorder recorder = LoadRecorder.create(Duration.ofMinutes(5));
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<Thread> clients = new ArrayList<>();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    ServerServiceDefinition work =
        ServerServiceDefinition.builder("test.Work")
            .addMethod(
                WORK,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      if (request.length > 0 && request[0] == 'h') {
                        awaitRelease();
                      }
                      if (request.length > 0 && request[0] == 'f') {
                        response.onError(Status.UNAVAILABLE.asRuntimeException());
                        return;
                      }
                      response.onNext(request);
                      response.onCompleted();
                    }))
            .build();
    InetAddress loopback = InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(loopback, 0))
            .addService(work)
            .addService(LoadProbeService.create(recorder))
            .intercept(LoadReportingServerInterceptor.create(recorder))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    release.countDown();
    for (Thread t : clients) {
      t.join(10_000);
    }
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void everyResponseCarriesTheOrcaTrailerWithRifAndLatency() throws Exception {
    AtomicReference<@Nullable Metadata> trailers = new AtomicReference<>();
    Channel reading = ClientInterceptors.intercept(channel, trailerCapture(trailers));
    ClientCalls.blockingUnaryCall(reading, WORK, CallOptions.DEFAULT, new byte[] {'x'});
    byte[] bin =
        requireNonNull(
            requireNonNull(trailers.get()).get(LoadReportingServerInterceptor.TRAILER_KEY));
    // What gRPC's and Envoy's own ORCA readers would see.
    OrcaLoadReport real = OrcaLoadReport.parseFrom(bin);
    assertThat(real.getNamedMetricsMap()).containsEntry("rif", 0.0).containsKey("latency_ms");
    ServerLoad load = OrcaLoadReports.decode(bin);
    assertThat(load.requestsInFlight()).hasValue(0);
    assertThat(load.latency()).isPresent();
  }

  @Test
  void failedCallsCarryTheTrailerToo() {
    AtomicReference<@Nullable Metadata> trailers = new AtomicReference<>();
    Channel reading = ClientInterceptors.intercept(channel, trailerCapture(trailers));
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(reading, WORK, CallOptions.DEFAULT, new byte[] {'f'}))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(requireNonNull(trailers.get()).get(LoadReportingServerInterceptor.TRAILER_KEY))
        .isNotNull();
    assertThat(recorder.requestsInFlight()).isZero();
  }

  @Test
  void probesAnswerTheRequestsInFlightWithoutCountingThemselves() throws Exception {
    int held = 3;
    for (int i = 0; i < held; i++) {
      Thread t =
          new Thread(
              () ->
                  ClientCalls.blockingUnaryCall(
                      channel, WORK, CallOptions.DEFAULT, new byte[] {'h'}));
      clients.add(t);
      t.start();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    ServerLoad load = probe();
    while (load.requestsInFlight().orElse(-1) < held && System.nanoTime() < deadline) {
      Thread.sleep(10);
      load = probe();
    }
    assertThat(load.requestsInFlight()).hasValue(held);
    release.countDown();
    for (Thread t : clients) {
      t.join(30_000);
    }
    assertThat(probe().requestsInFlight()).hasValue(0);
    assertThat(probe().latency()).isPresent();
  }

  private ServerLoad probe() {
    return ClientCalls.blockingUnaryCall(
        channel,
        LoadProbeService.PROBE_METHOD,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        new byte[0]);
  }

  private void awaitRelease() {
    try {
      release.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static ClientInterceptor trailerCapture(AtomicReference<@Nullable Metadata> into) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
          MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            super.start(
                new SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onClose(Status status, Metadata trailers) {
                    into.set(trailers);
                    super.onClose(status, trailers);
                  }
                },
                headers);
          }
        };
      }
    };
  }
}
