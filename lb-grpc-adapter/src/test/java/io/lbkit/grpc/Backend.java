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

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.inprocess.InProcessSocketAddress;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A test server answering one unary method with its own name, counting calls; it can be told to
 * fail with a status or to hold calls until released. Loopback (Netty) or in-process.
 */
final class Backend implements AutoCloseable {
  static final MethodDescriptor.Marshaller<String> STRING =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("lbkit.test.Echo/Call")
          .setRequestMarshaller(STRING)
          .setResponseMarshaller(STRING)
          .build();

  /** A server-streaming method: answers with the backend's name at once, then holds the stream. */
  static final MethodDescriptor<String, String> STREAM =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName("lbkit.test.Echo/Stream")
          .setRequestMarshaller(STRING)
          .setResponseMarshaller(STRING)
          .build();

  /**
   * The deadline of a test call that should simply succeed: only a bound on a hang, generous enough
   * for a loaded machine (a call waits while a connection comes up).
   */
  static final long CALL_DEADLINE_MILLIS = 10_000;

  // Answers delayed calls without blocking a transport thread; daemon, shared by all backends.
  private static final ScheduledExecutorService DELAYS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "backend-delays");
            t.setDaemon(true);
            return t;
          });

  final String name;
  final AtomicInteger calls = new AtomicInteger();
  final HealthStatusManager health = new HealthStatusManager();
  volatile @Nullable Status failWith;
  volatile boolean hold;
  volatile long delayMillis;
  private final List<StreamObserver<String>> held = new ArrayList<>();
  private final List<StreamObserver<String>> streams = new ArrayList<>();
  private final Server server;
  private final SocketAddress address;

  private Backend(String name, boolean inProcess, int port) throws IOException {
    this(name, inProcess, InetAddress.getLoopbackAddress(), port);
  }

  private Backend(String name, boolean inProcess, InetAddress bind, int port) throws IOException {
    this(name, inProcess, bind, port, null, true);
  }

  /**
   * @param healthService the health service to offer, or null for the standard one ({@link
   *     #health}) when {@code standardHealth}, else none
   */
  private Backend(
      String name,
      boolean inProcess,
      InetAddress bind,
      int port,
      @Nullable ServerServiceDefinition healthService,
      boolean standardHealth)
      throws IOException {
    this.name = name;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("lbkit.test.Echo")
            .addMethod(ECHO, ServerCalls.asyncUnaryCall(this::handle))
            .addMethod(STREAM, ServerCalls.asyncServerStreamingCall(this::stream))
            .build();
    List<ServerServiceDefinition> services = new ArrayList<>();
    services.add(service);
    if (healthService != null) {
      services.add(healthService);
    } else if (standardHealth) {
      services.add(health.getHealthService().bindService());
    }
    if (inProcess) {
      InProcessServerBuilder b = InProcessServerBuilder.forName(name).directExecutor();
      services.forEach(b::addService);
      server = b.build().start();
      address = new InProcessSocketAddress(name);
    } else {
      NettyServerBuilder b =
          NettyServerBuilder.forAddress(new InetSocketAddress(bind, port)).directExecutor();
      services.forEach(b::addService);
      server = b.build().start();
      address = new InetSocketAddress(bind, server.getPort());
    }
  }

  /** A Netty server on a free loopback port. */
  static Backend netty(String name) throws IOException {
    return new Backend(name, false, 0);
  }

  /** A Netty server on this loopback port (to bring a stopped server back). */
  static Backend netty(String name, int port) throws IOException {
    return new Backend(name, false, port);
  }

  /** A Netty server on this address and port (another loopback address such as 127.0.0.2). */
  static Backend netty(String name, InetAddress bind, int port) throws IOException {
    return new Backend(name, false, bind, port);
  }

  /**
   * An in-process server with this health service in place of the standard one, or with none if it
   * is null; its name must be unique in the JVM.
   */
  static Backend inProcess(String name, @Nullable ServerServiceDefinition healthService)
      throws IOException {
    return new Backend(name, true, InetAddress.getLoopbackAddress(), 0, healthService, false);
  }

  /** An in-process server; its name must be unique in the JVM. */
  static Backend inProcess(String name) throws IOException {
    return new Backend(name, true, 0);
  }

  SocketAddress address() {
    return address;
  }

  int port() {
    return ((InetSocketAddress) address).getPort();
  }

  private void handle(String request, StreamObserver<String> response) {
    calls.incrementAndGet();
    Status fail = failWith;
    if (fail != null) {
      response.onError(fail.asRuntimeException());
      return;
    }
    synchronized (held) {
      if (hold) {
        held.add(response);
        return;
      }
    }
    long delay = delayMillis;
    if (delay > 0) {
      ScheduledFuture<?> unused =
          DELAYS.schedule(
              () -> {
                response.onNext(name);
                response.onCompleted();
              },
              delay,
              TimeUnit.MILLISECONDS);
      return;
    }
    response.onNext(name);
    response.onCompleted();
  }

  private void stream(String request, StreamObserver<String> response) {
    response.onNext(name);
    synchronized (streams) {
      streams.add(response);
    }
  }

  /** Ends every open stream with a last message and OK. */
  void endStreams() {
    List<StreamObserver<String>> copy;
    synchronized (streams) {
      copy = new ArrayList<>(streams);
      streams.clear();
    }
    for (StreamObserver<String> r : copy) {
      r.onNext("end");
      r.onCompleted();
    }
  }

  int heldCount() {
    synchronized (held) {
      return held.size();
    }
  }

  void releaseHeld() {
    List<StreamObserver<String>> copy;
    synchronized (held) {
      hold = false;
      copy = new ArrayList<>(held);
      held.clear();
    }
    for (StreamObserver<String> r : copy) {
      r.onNext(name);
      r.onCompleted();
    }
  }

  /** One blocking call with a deadline; returns the name of the backend that answered. */
  static String call(Channel channel, long timeoutMillis) {
    return ClientCalls.blockingUnaryCall(
        channel,
        ECHO,
        CallOptions.DEFAULT.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS),
        "hi");
  }

  @Override
  public void close() throws InterruptedException {
    releaseHeld();
    endStreams();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
