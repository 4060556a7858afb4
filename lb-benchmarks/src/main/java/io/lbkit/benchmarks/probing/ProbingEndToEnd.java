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
package io.lbkit.benchmarks.probing;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.lbkit.grpc.LbkitPolicies;
import io.lbkit.server.LoadProbeService;
import io.lbkit.server.LoadRecorder;
import io.lbkit.server.LoadReportingServerInterceptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Ten gRPC servers on loopback, each instrumented with lb-server (interceptor and probe service),
 * each with {@value #WORKERS} workers whose service time is {@value #BASE_MILLIS} ms times a speed
 * factor that every server draws anew every {@value #FLIP_MILLIS} ms (1x, 1x, 1x, 4x or 12x: a
 * server is slow about two fifths of the time, as in the C3 paper's setup). An open-loop client
 * sends a fixed rate of unary calls through one channel per policy (power of two choices, least
 * response time, probing) and measures each call's latency end to end; the servers count the probes
 * they answer. Same seed, same speed schedule for every policy.
 *
 * <p>Arguments: calls per second (default 150) and seconds per policy (default 20). Not a timed
 * test: its numbers depend on the machine and its load, which it prints.
 */
public final class ProbingEndToEnd {
  static final int SERVERS = 10;
  static final int WORKERS = 2;
  static final long BASE_MILLIS = 10;
  static final long FLIP_MILLIS = 300;
  private static final int[] FACTORS = {1, 1, 1, 4, 12};

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
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
          .setFullMethodName("lbkit.bench.Work/Do")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private ProbingEndToEnd() {}

  /** One server: its gRPC server, its workers, its current speed factor, its probe count. */
  static final class Backend implements AutoCloseable {
    final Server server;
    final ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    final AtomicInteger factor = new AtomicInteger(1);
    final AtomicLong probes = new AtomicLong();

    Backend() throws IOException {
      // Latency samples recent for one speed period: older ones describe another speed.
      LoadRecorder recorder = LoadRecorder.create(Duration.ofMillis(FLIP_MILLIS));
      ServerServiceDefinition work =
          ServerServiceDefinition.builder("lbkit.bench.Work")
              .addMethod(
                  WORK,
                  ServerCalls.asyncUnaryCall(
                      (request, response) ->
                          workers.execute(
                              () -> {
                                sleep(BASE_MILLIS * factor.get());
                                response.onNext(request);
                                response.onCompleted();
                              })))
              .build();
      ServerInterceptor probeCounter =
          new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
              if (call.getMethodDescriptor()
                  .getFullMethodName()
                  .equals(LoadProbeService.FULL_METHOD_NAME)) {
                probes.incrementAndGet();
              }
              return next.startCall(call, headers);
            }
          };
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(work)
              .addService(LoadProbeService.create(recorder))
              .intercept(LoadReportingServerInterceptor.create(recorder))
              .intercept(probeCounter)
              .build()
              .start();
    }

    @Override
    public void close() throws InterruptedException {
      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      workers.shutdownNow();
    }
  }

  /** What one policy's run measured. */
  record Result(
      String policy, int sent, int ok, int failed, long[] latenciesMicros, double probesPerCall) {
    long percentile(double p) {
      if (latenciesMicros.length == 0) {
        return -1;
      }
      int i = (int) Math.ceil(p / 100 * latenciesMicros.length) - 1;
      return latenciesMicros[Math.max(0, Math.min(latenciesMicros.length - 1, i))];
    }
  }

  /** Runs the benchmark; arguments: calls per second, seconds per policy. */
  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 150;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    System.out.printf(
        Locale.ROOT,
        "%d servers x %d workers, %d ms x factor %s redrawn every %d ms; %d calls/s, %d s per"
            + " policy; %d CPUs, load average %.1f at start%n",
        SERVERS,
        WORKERS,
        BASE_MILLIS,
        Arrays.toString(FACTORS),
        FLIP_MILLIS,
        rate,
        seconds,
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < SERVERS; i++) {
      backends.add(new Backend());
    }
    StringBuilder target = new StringBuilder("lbkit:///");
    for (Backend b : backends) {
      target.append(target.length() > 9 ? "," : "").append("127.0.0.1:").append(b.server.getPort());
    }
    Map<String, Map<String, ?>> policies =
        ImmutableMap.of(
            LbkitPolicies.POWER_OF_TWO_CHOICES, ImmutableMap.of(),
            LbkitPolicies.LEAST_RESPONSE_TIME, ImmutableMap.of(),
            LbkitPolicies.PROBING, ImmutableMap.of("probe", ImmutableMap.of("timeout", "0.05s")));
    List<Result> results = new ArrayList<>();
    try {
      for (Map.Entry<String, Map<String, ?>> p : policies.entrySet()) {
        results.add(run(p.getKey(), p.getValue(), target.toString(), backends, rate, seconds));
      }
    } finally {
      for (Backend b : backends) {
        b.close();
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%n| Policy | Calls | Failed | p50 ms | p99 ms | p99.9 ms | Probes per call |%n"
            + "|---|---:|---:|---:|---:|---:|---:|%n");
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %d | %.1f | %.1f | %.1f | %.2f |%n",
          r.policy(),
          r.sent(),
          r.failed(),
          r.percentile(50) / 1000.0,
          r.percentile(99) / 1000.0,
          r.percentile(99.9) / 1000.0,
          r.probesPerCall());
    }
    System.out.printf(
        Locale.ROOT,
        "load average at end %.1f%n",
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private static Result run(
      String policy,
      Map<String, ?> settings,
      String target,
      List<Backend> backends,
      int rate,
      int seconds)
      throws InterruptedException {
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(target)
            .defaultServiceConfig(
                ImmutableMap.of(
                    "loadBalancingConfig", ImmutableList.of(ImmutableMap.of(policy, settings))))
            .usePlaintext()
            .build();
    ScheduledExecutorService clock = Executors.newScheduledThreadPool(2);
    try {
      // Warm up: connections, JIT, the balancer's first estimates.
      for (int i = 0; i < 200; i++) {
        ClientCalls.blockingUnaryCall(
            channel,
            WORK,
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            new byte[0]);
      }
      // The same speed schedule for every policy.
      SplittableRandom speeds = new SplittableRandom(42);
      clock.scheduleAtFixedRate(
          () -> {
            synchronized (speeds) {
              for (Backend b : backends) {
                b.factor.set(FACTORS[speeds.nextInt(FACTORS.length)]);
              }
            }
          },
          0,
          FLIP_MILLIS,
          TimeUnit.MILLISECONDS);
      long probesBefore = backends.stream().mapToLong(b -> b.probes.get()).sum();
      int total = rate * seconds;
      AtomicLongArray latencies = new AtomicLongArray(total);
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(total);
      long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
      long start = System.nanoTime();
      for (int i = 0; i < total; i++) {
        long due = start + i * periodNanos;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait); // open loop: calls go out on schedule, not on replies
        }
        int index = i;
        long sent = System.nanoTime();
        ClientCalls.asyncUnaryCall(
            channel.newCall(WORK, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)),
            new byte[0],
            new StreamObserver<byte[]>() {
              @Override
              public void onNext(byte[] value) {}

              @Override
              public void onError(Throwable t) {
                latencies.set(index, (System.nanoTime() - sent) / 1000);
                failed.incrementAndGet();
                done.countDown();
              }

              @Override
              public void onCompleted() {
                latencies.set(index, (System.nanoTime() - sent) / 1000);
                ok.incrementAndGet();
                done.countDown();
              }
            });
      }
      done.await(60, TimeUnit.SECONDS);
      long probes = backends.stream().mapToLong(b -> b.probes.get()).sum() - probesBefore;
      long[] sorted = new long[total];
      for (int i = 0; i < total; i++) {
        sorted[i] = latencies.get(i);
      }
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT, "%s done%n", policy);
      return new Result(policy, total, ok.get(), failed.get(), sorted, probes / (double) total);
    } finally {
      clock.shutdownNow();
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
