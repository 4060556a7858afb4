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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Servers that die, fail, and come back, with real transports; every call has a deadline. */
class FailoverTest {
  private static final AtomicInteger IDS = new AtomicInteger();
  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  @Test
  void callsFailOverWhenAServerIsKilledMidRun() throws Exception {
    for (int i = 0; i < 3; i++) {
      grpc.add(Backend.netty("b" + i));
    }
    ManualResolver resolver = resolver();
    ManagedChannel channel = netty(resolver, LbkitPolicies.LEAST_CONNECTIONS, Map.of());
    grpc.warmUp(channel);
    for (int i = 0; i < 30; i++) {
      Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
    }
    Backend killed = grpc.backends.get(0);
    killed.close();
    int servedBeforeKill = killed.calls.get();

    int failures = 0;
    for (int i = 0; i < 60; i++) {
      try {
        assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isNotEqualTo(killed.name);
      } catch (StatusRuntimeException e) {
        // A call racing with the connection's end may fail; nothing may hang.
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        failures++;
      }
    }
    assertThat(failures).isLessThanOrEqualTo(2);
    assertThat(killed.calls.get()).isEqualTo(servedBeforeKill);
    assertThat(grpc.backends.get(1).calls.get() + grpc.backends.get(2).calls.get())
        .isEqualTo(30 - servedBeforeKill + 60 - failures);
    assertThat(resolver.refreshes.get()).as("re-resolution after the loss").isPositive();
  }

  @Test
  void serverFailingWithUnavailableIsEjectedThenReadmitted() throws Exception {
    for (int i = 0; i < 3; i++) {
      grpc.add(Backend.netty("b" + i));
    }
    Map<String, ?> config =
        Map.of(
            "outlierDetection",
            Map.of(
                "consecutiveFailures",
                3.0,
                "baseEjectionTime",
                "5s",
                "interval",
                "0.2s",
                "maxEjectionPercent",
                50.0,
                "successRate",
                Map.of("enabled", false)));
    ManagedChannel channel = netty(resolver(), LbkitPolicies.ROUND_ROBIN, config);
    grpc.warmUp(channel);
    Backend failing = grpc.backends.get(0);
    failing.failWith = Status.UNAVAILABLE.withDescription("overloaded");

    int failures = 0;
    for (int i = 0; i < 30; i++) {
      try {
        Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
      } catch (StatusRuntimeException e) {
        failures++;
      }
    }
    // Three failures in a row eject it (a fourth may race with the ejection).
    assertThat(failing.calls.get()).isBetween(3, 4);
    assertThat(failures).isEqualTo(failing.calls.get());

    failing.failWith = null;
    int ejectedAt = failing.calls.get();
    for (int i = 0; i < 20; i++) {
      assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isNotEqualTo(failing.name);
    }
    assertThat(failing.calls.get()).isEqualTo(ejectedAt);

    // The ejection ends by itself (about 5 s: long enough that the 50 calls above finish well
    // inside it on a loaded machine) and the healed server takes calls again.
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          return failing.calls.get() > ejectedAt;
        });
  }

  @Test
  void allServersDownIsTransientFailureAndWaitForReadyCallsResume() throws Exception {
    String name0 = "down-" + IDS.incrementAndGet();
    String name1 = "down-" + IDS.incrementAndGet();
    Backend b0 = grpc.add(Backend.inProcess(name0));
    Backend b1 = grpc.add(Backend.inProcess(name1));
    ManualResolver resolver = resolver();
    @SuppressWarnings("deprecation") // fixed addresses for a test channel
    ManagedChannel channel =
        grpc.add(
            InProcessChannelBuilder.forTarget("manual:///down")
                .nameResolverFactory(resolver)
                .defaultLoadBalancingPolicy(LbkitPolicies.POWER_OF_TWO_CHOICES)
                .build());
    grpc.warmUp(channel);
    b0.close();
    b1.close();
    grpc.backends.clear();

    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE);
    assertThatThrownBy(() -> Backend.call(channel, Backend.CALL_DEADLINE_MILLIS))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    ListenableFuture<String> waiting =
        ClientCalls.futureUnaryCall(
            channel.newCall(
                Backend.ECHO,
                CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(8, TimeUnit.SECONDS)),
            "hi");
    assertThat(waiting.isDone()).isFalse();
    Backend back = grpc.add(Backend.inProcess(name1));

    assertThat(waiting.get(8, TimeUnit.SECONDS)).isEqualTo(back.name);
    // The channel installs the balancer's new picker (which starts the buffered call on another
    // thread) before it records the balancer's READY, in the same task: a fast call can finish
    // while the channel still says TRANSIENT_FAILURE. So the state is awaited, not read once.
    GrpcTestSupport.await(
        Duration.ofSeconds(20), () -> channel.getState(false) == ConnectivityState.READY);
  }

  @Test
  void aServerAddedLaterWarmsUpUnderSlowStart() throws Exception {
    for (int i = 0; i < 2; i++) {
      grpc.add(Backend.netty("b" + i));
    }
    ManualResolver resolver = resolver();
    // Every server ramps up from its first READY, the first two included; a 2 s window lets
    // them finish before the third arrives.
    ManagedChannel channel =
        netty(
            resolver,
            LbkitPolicies.ROUND_ROBIN,
            Map.of("slowStart", Map.of("window", "2s", "minWeightPercent", 10.0)));
    grpc.warmUp(channel);
    Thread.sleep(2_500); // real time: the window plus a maintenance tick

    Backend added = grpc.add(Backend.netty("new"));
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Backend b : grpc.backends) {
      groups.add(new EquivalentAddressGroup(b.address()));
    }
    resolver.update(groups);
    // The new server counts from its first READY: wait until it has served once.
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          return added.calls.get() > 0;
        });

    int before = added.calls.get();
    int total = 300;
    long start = System.nanoTime();
    for (int i = 0; i < total; i++) {
      Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    int share = added.calls.get() - before;
    // Round robin is weighted by the ramp while a server warms up: at most its weight factor at
    // the end of these calls (10% floor, then elapsed / 2 s) of a full server's third. Full
    // weight from the start would give 100.
    double factor = Math.min(1.0, Math.max(0.1, (elapsedMillis + 500) / 2000.0));
    assertThat(share)
        .as("calls to the warming server in %d ms", elapsedMillis)
        .isLessThanOrEqualTo((int) Math.ceil(total * factor / (2 + factor)) + 5)
        .isLessThan(100);
  }

  private ManualResolver resolver() {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Backend b : grpc.backends) {
      groups.add(new EquivalentAddressGroup(b.address()));
    }
    return new ManualResolver(groups);
  }

  @SuppressWarnings("deprecation") // fixed addresses for a test channel
  private ManagedChannel netty(ManualResolver resolver, String policy, Map<String, ?> config) {
    return grpc.add(
        NettyChannelBuilder.forTarget("manual:///failover")
            .nameResolverFactory(resolver)
            .usePlaintext()
            .defaultServiceConfig(LbkitPolicies.serviceConfig(policy, config))
            .build());
  }
}
