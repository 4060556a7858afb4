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

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import io.grpc.CallOptions;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.lbkit.core.LoadReport;
import io.lbkit.core.ProbeTap;
import io.lbkit.server.LoadProbeService;
import io.lbkit.server.LoadRecorder;
import io.lbkit.server.LoadReportingServerInterceptor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC probe transport (lb-server's probe method over each server's own subchannel) and the
 * ORCA trailer of ordinary calls, against real lb-server-instrumented servers on loopback, through
 * a real channel: the reports arrive in the channel's balancer.
 */
class ProbeTransportTest {
  private static final String TAP_POLICY = "test_probe_tap";

  private final List<Server> servers = new ArrayList<>();
  private final List<AtomicInteger> served = new ArrayList<>();
  private final List<LoadRecorder> recorders = new ArrayList<>();
  private final List<LoadRecorder.Request> busy = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private io.grpc.@org.jspecify.annotations.Nullable LoadBalancerProvider provider;

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    busy.forEach(r -> r.finish(false));
    io.grpc.LoadBalancerProvider p = provider;
    if (p != null) {
      LoadBalancerRegistry.getDefaultRegistry().deregister(p);
    }
  }

  /** A server with lb-server's interceptor and probe service, and an echo method. */
  private int start() throws IOException {
    return start(0);
  }

  private int start(long workMillis) throws IOException {
    LoadRecorder recorder = LoadRecorder.create();
    AtomicInteger calls = new AtomicInteger();
    served.add(calls);
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder("lbkit.test.Echo")
            .addMethod(
                Backend.ECHO,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      calls.incrementAndGet();
                      if (workMillis > 0) {
                        try {
                          Thread.sleep(workMillis); // a server that is slow, not one that waits
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      response.onNext(request);
                      response.onCompleted();
                    }))
            .build();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(echo)
            .addService(LoadProbeService.create(recorder))
            .intercept(LoadReportingServerInterceptor.create(recorder))
            .build()
            .start();
    servers.add(server);
    recorders.add(recorder);
    return server.getPort();
  }

  private String target() {
    StringBuilder target = new StringBuilder("lbkit:///");
    for (Server s : servers) {
      target.append(target.length() > 9 ? "," : "").append("127.0.0.1:").append(s.getPort());
    }
    return target.toString();
  }

  /**
   * The user's path: the lbkit_probing policy by name, servers with lb-server. The server that is
   * slow (20 ms a call) and reports 40 calls in flight of its own gets few calls; without probing
   * (power of two choices on the client's own counts, all zero between these sequential calls) it
   * would get about half.
   */
  @Test
  void probingPolicySteersCallsAwayFromTheBusyServer() throws Exception {
    start();
    start(20);
    for (int i = 0; i < 40; i++) {
      busy.add(recorders.get(1).start());
    }
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(target())
            // Sequential calls on loopback can outrun the default probe cap (1,000 a second),
            // which would leave the pool short and most picks to the fallback.
            .defaultServiceConfig(
                LbkitPolicies.serviceConfig(
                    LbkitPolicies.PROBING,
                    ImmutableMap.of("probe", ImmutableMap.of("maxProbeRatePerServer", 100_000))))
            .usePlaintext()
            .build();
    channels.add(channel);
    for (int i = 0; i < 20; i++) { // connections up, pool filled
      ClientCalls.blockingUnaryCall(
          channel, Backend.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
    }
    served.forEach(c -> c.set(0));
    int calls = 300;
    for (int i = 0; i < calls; i++) {
      ClientCalls.blockingUnaryCall(
          channel, Backend.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
    }
    assertThat(served.get(1).get())
        .as("calls to the busy server, of %s (a: %s)", calls, served.get(0).get())
        .isLessThan(calls * 2 / 5); // half by chance: 150 +- 9
  }

  /**
   * Every setting of the probing selector can be given in the service config, reaches the selector,
   * and a bad one is refused naming its field.
   */
  @Test
  void everyProbingSettingReachesTheSelector() {
    LbkitLoadBalancerProviders.Base probing = new LbkitLoadBalancerProviders.Probing();
    Map<String, ?> settings =
        ImmutableMap.of(
            "probe",
            ImmutableMap.builder()
                .put("timeout", "0.05s")
                .put("probesPerRequest", 2.0)
                .put("maxProbeRatePerServer", 2000.0)
                .put("hotQuantile", 0.6)
                .put("poolSize", 4.0)
                .put("maxAge", "0.5s")
                .put("maxReuse", 2.0)
                .buildOrThrow());
    Object config = probing.parseLoadBalancingPolicyConfig(settings).getConfig();
    assertThat(config)
        .isInstanceOfSatisfying(
            LbkitConfig.class,
            c ->
                assertThat(c.selector.get().toString())
                    .contains(
                        "probesPerRequest=2.0",
                        "poolSize=4",
                        "maxAge=PT0.5S",
                        "hotQuantile=0.6",
                        "maxProbeRatePerServer=2000.0",
                        "maxReuse=2"));
    assertThat(error(probing, "poolSize", 4.5)).contains("probe.poolSize").contains("4.5");
    assertThat(error(probing, "poolSize", 100.0)).contains("poolSize").contains("100");
    assertThat(error(probing, "maxAge", "2h")).contains("probe.maxAge");
    assertThat(error(probing, "maxAge", "120s")).contains("maxAge").contains("PT2M");
    assertThat(error(probing, "maxReuse", 0.0)).contains("maxReuse").contains("0");
  }

  private static String error(LbkitLoadBalancerProviders.Base provider, String key, Object value) {
    return String.valueOf(
        provider
            .parseLoadBalancingPolicyConfig(ImmutableMap.of("probe", ImmutableMap.of(key, value)))
            .getError());
  }

  /** A channel to the servers whose policy is lbkit's with the tap as selector. */
  private ManagedChannel channel(ProbeTap tap, Map<String, ?> settings) {
    provider = new LbkitLoadBalancerProviders.Base(TAP_POLICY, () -> tap) {};
    LoadBalancerRegistry.getDefaultRegistry().register(provider);
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(target())
            .defaultServiceConfig(
                ImmutableMap.of(
                    "loadBalancingConfig", ImmutableList.of(ImmutableMap.of(TAP_POLICY, settings))))
            .usePlaintext()
            .build();
    channels.add(channel);
    return channel;
  }

  @Test
  void probesAndTrailersReachTheBalancer() throws Exception {
    int a = start();
    int b = start();
    for (int i = 0; i < 3; i++) {
      busy.add(recorders.get(1).start()); // b works on three calls of its own
    }
    ProbeTap tap = ProbeTap.probing();
    ManagedChannel channel =
        channel(tap, ImmutableMap.of("probe", ImmutableMap.of("timeout", "5s")));
    String idA = "127.0.0.1:" + a;
    String idB = "127.0.0.1:" + b;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(has(tap, idA, true, r -> r.requestsInFlight() == 0)
            && has(tap, idB, true, r -> r.requestsInFlight() == 3)
            && has(tap, idA, false, r -> r.requestsInFlight() == 0)
            && has(tap, idB, false, r -> r.requestsInFlight() == 3))
        && System.nanoTime() < deadline) {
      // Probes go out as calls are picked; each call's trailer reports the load after it.
      ClientCalls.blockingUnaryCall(
          channel, Backend.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
    }
    assertThat(has(tap, idA, true, r -> r.requestsInFlight() == 0)).as("probe of a").isTrue();
    assertThat(has(tap, idB, true, r -> r.requestsInFlight() == 3)).as("probe of b").isTrue();
    assertThat(has(tap, idA, false, r -> r.requestsInFlight() == 0)).as("trailer of a").isTrue();
    assertThat(has(tap, idB, false, r -> r.requestsInFlight() == 3)).as("trailer of b").isTrue();
    assertThat(tap.received())
        .allSatisfy(x -> assertThat(x.report().metrics()).doesNotContainKeys("rif", "latency_ms"));
  }

  @Test
  void withoutProbeSettingsTrailersAreNotRead() throws Exception {
    start();
    ProbeTap tap = ProbeTap.probing();
    ManagedChannel channel = channel(tap, ImmutableMap.of());
    for (int i = 0; i < 5; i++) {
      ClientCalls.blockingUnaryCall(
          channel, Backend.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "x");
    }
    assertThat(tap.received()).isEmpty();
  }

  @Test
  void badProbeSettingsAreRejectedNamingTheField() {
    LbkitLoadBalancerProviders.Base p =
        new LbkitLoadBalancerProviders.Base(TAP_POLICY, ProbeTap::probing) {};
    assertThat(
            String.valueOf(
                p.parseLoadBalancingPolicyConfig(
                        ImmutableMap.of("probe", ImmutableMap.of("timeout", "0s")))
                    .getError()))
        .contains("probe.timeout");
    assertThat(
            String.valueOf(
                p.parseLoadBalancingPolicyConfig(
                        ImmutableMap.of("probe", ImmutableMap.of("timeout", "3600s")))
                    .getError()))
        .contains("probe.timeout must be at most 60s");
    assertThat(
            String.valueOf(
                p.parseLoadBalancingPolicyConfig(
                        ImmutableMap.of("probe", ImmutableMap.of("timout", "1s")))
                    .getError()))
        .contains("timout");
    assertThat(
            String.valueOf(
                p.parseLoadBalancingPolicyConfig(
                        ImmutableMap.of("probe", ImmutableMap.of("hotQuantile", 0.5)))
                    .getError()))
        .contains("probe.hotQuantile is a setting of lbkit_probing only");
    LbkitLoadBalancerProviders.Base probing = new LbkitLoadBalancerProviders.Probing();
    assertThat(
            String.valueOf(
                probing
                    .parseLoadBalancingPolicyConfig(
                        ImmutableMap.of("probe", ImmutableMap.of("hotQuantile", 2.0)))
                    .getError()))
        .contains("probe.")
        .contains("2.0");
    assertThat(probing.parseLoadBalancingPolicyConfig(ImmutableMap.of()).getConfig())
        .isInstanceOfSatisfying(
            LbkitConfig.class, c -> assertThat(c.probeTimeout).isEqualTo(Duration.ofMillis(100)));
    assertThat(
            p.parseLoadBalancingPolicyConfig(ImmutableMap.of("probe", ImmutableMap.of()))
                .getConfig())
        .isInstanceOfSatisfying(
            LbkitConfig.class, c -> assertThat(c.probeTimeout).isEqualTo(Duration.ofMillis(100)));
  }

  private static boolean has(
      ProbeTap tap, String serverId, boolean probed, Predicate<LoadReport> wanted) {
    for (ProbeTap.Received r : tap.received()) {
      if (r.serverId().equals(serverId) && r.probed() == probed && wanted.test(r.report())) {
        return true;
      }
    }
    return false;
  }
}
