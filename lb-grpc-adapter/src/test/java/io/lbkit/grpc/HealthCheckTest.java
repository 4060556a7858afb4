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

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ServerCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Active health checks through {@code grpc.health.v1}, configured in the policy's JSON. */
class HealthCheckTest {
  private static final AtomicInteger IDS = new AtomicInteger();
  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  @Test
  void notServingBackendIsAvoidedAndComesBack() throws Exception {
    for (int i = 0; i < 3; i++) {
      grpc.add(Backend.inProcess("health-" + IDS.incrementAndGet()));
    }
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Backend b : grpc.backends) {
      groups.add(new EquivalentAddressGroup(b.address()));
      b.health.setStatus("orders", ServingStatus.SERVING);
    }
    Map<String, ?> config =
        Map.of(
            "healthCheck",
            Map.of(
                "serviceName", "orders",
                "interval", "0.05s",
                "timeout", "0.05s",
                "jitter", "0s",
                "healthyThreshold", 1.0,
                "unhealthyThreshold", 1.0));
    @SuppressWarnings("deprecation") // fixed addresses for a test channel
    ManagedChannel channel =
        grpc.add(
            InProcessChannelBuilder.forTarget("manual:///health")
                .nameResolverFactory(new ManualResolver(groups))
                .defaultServiceConfig(
                    LbkitPolicies.serviceConfig(LbkitPolicies.ROUND_ROBIN, config))
                .build());
    grpc.warmUp(channel);

    Backend sick = grpc.backends.get(0);
    sick.health.setStatus("orders", ServingStatus.NOT_SERVING);
    // Within a few check intervals no call reaches it any more: 30 calls in a row avoid it.
    int[] streak = new int[1];
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          streak[0] =
              Backend.call(channel, Backend.CALL_DEADLINE_MILLIS).equals(sick.name)
                  ? 0
                  : streak[0] + 1;
          return streak[0] >= 30;
        });

    sick.health.setStatus("orders", ServingStatus.SERVING);
    int before = sick.calls.get();
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          return sick.calls.get() > before;
        });
    assertThat(sick.calls.get()).isGreaterThan(before);
  }

  /**
   * Health is watched, not polled: with a one-minute check interval, a server that turns
   * NOT_SERVING is avoided (and readmitted when SERVING again) long before any poll could see it.
   */
  @Test
  void watchedServerThatTurnsNotServingIsAvoidedWithoutWaitingForAPoll() throws Exception {
    for (int i = 0; i < 3; i++) {
      grpc.add(Backend.netty("watched-" + i));
    }
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Backend b : grpc.backends) {
      groups.add(new EquivalentAddressGroup(b.address()));
      b.health.setStatus("orders", ServingStatus.SERVING);
    }
    @SuppressWarnings("deprecation") // fixed addresses for a test channel
    ManagedChannel channel =
        grpc.add(
            NettyChannelBuilder.forTarget("manual:///watched")
                .nameResolverFactory(new ManualResolver(groups))
                .usePlaintext()
                .defaultServiceConfig(
                    LbkitPolicies.serviceConfig(
                        LbkitPolicies.ROUND_ROBIN, healthConfig("60s", "60s")))
                .build());
    grpc.warmUp(channel);

    Backend sick = grpc.backends.get(0);
    sick.health.setStatus("orders", ServingStatus.NOT_SERVING);
    awaitAvoided(channel, sick);

    sick.health.setStatus("orders", ServingStatus.SERVING);
    awaitServing(channel, sick);
  }

  /** A server whose health service has Check but no Watch is polled with Check. */
  @Test
  void serverWithoutWatchIsPolledWithCheck() throws Exception {
    AtomicReference<ServingStatus> status = new AtomicReference<>(ServingStatus.SERVING);
    AtomicInteger checks = new AtomicInteger();
    ServerServiceDefinition checkOnly =
        ServerServiceDefinition.builder(HealthGrpc.SERVICE_NAME)
            .addMethod(
                HealthGrpc.getCheckMethod(),
                ServerCalls.asyncUnaryCall(
                    (HealthCheckRequest request,
                        io.grpc.stub.StreamObserver<HealthCheckResponse> out) -> {
                      checks.incrementAndGet();
                      out.onNext(HealthCheckResponse.newBuilder().setStatus(status.get()).build());
                      out.onCompleted();
                    }))
            .build();
    Backend polled = grpc.add(Backend.inProcess("check-only-" + IDS.incrementAndGet(), checkOnly));
    Backend none = grpc.add(Backend.inProcess("no-health-" + IDS.incrementAndGet(), null));
    Backend watched = grpc.add(Backend.inProcess("watched-" + IDS.incrementAndGet()));
    watched.health.setStatus("orders", ServingStatus.SERVING);
    ManagedChannel channel = inProcessChannel(healthConfig("0.05s", "0.05s"));
    grpc.warmUp(channel);
    // Only the server without Watch is asked (the one without any health service answers
    // UNIMPLEMENTED to Check too, which counts as healthy, and still gets calls).
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> checks.get() >= 3);
    awaitServing(channel, none);
    awaitServing(channel, watched);

    status.set(ServingStatus.NOT_SERVING);
    awaitAvoided(channel, polled);
    status.set(ServingStatus.SERVING);
    awaitServing(channel, polled);
  }

  /**
   * {@code outlierDetection.unejectOnPassingHealthCheck}: on (the default), a passing check ends an
   * ejection at once; off, the ejection (a minute here) outlasts many passing checks.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void unejectOnPassingHealthCheckDecidesWhetherAPassingCheckEndsAnEjection(boolean uneject)
      throws Exception {
    AtomicInteger checks = new AtomicInteger();
    ServerServiceDefinition checkOnly =
        ServerServiceDefinition.builder(HealthGrpc.SERVICE_NAME)
            .addMethod(
                HealthGrpc.getCheckMethod(),
                ServerCalls.asyncUnaryCall(
                    (HealthCheckRequest request,
                        io.grpc.stub.StreamObserver<HealthCheckResponse> out) -> {
                      checks.incrementAndGet();
                      out.onNext(
                          HealthCheckResponse.newBuilder()
                              .setStatus(ServingStatus.SERVING)
                              .build());
                      out.onCompleted();
                    }))
            .build();
    Backend failing = grpc.add(Backend.inProcess("uneject-" + IDS.incrementAndGet(), checkOnly));
    for (int i = 0; i < 2; i++) {
      grpc.add(Backend.inProcess("uneject-" + IDS.incrementAndGet(), checkOnly));
    }
    Map<String, Object> config = new HashMap<>(healthConfig("0.2s", "0.2s"));
    config.put(
        "outlierDetection",
        Map.of(
            "consecutiveFailures",
            3.0,
            "baseEjectionTime",
            "60s",
            "interval",
            "0.2s",
            "maxEjectionPercent",
            50.0,
            "successRate",
            Map.of("enabled", false),
            "unejectOnPassingHealthCheck",
            uneject));
    ManagedChannel channel = inProcessChannel(config);
    grpc.warmUp(channel);

    failing.failWith = Status.UNAVAILABLE.withDescription("overloaded");
    awaitAvoided(channel, failing, true);
    failing.failWith = null; // the server works again; its health checks passed all along

    if (uneject) {
      awaitServing(channel, failing); // long before the minute of ejection is over
    } else {
      int before = checks.get();
      GrpcTestSupport.await(Duration.ofSeconds(20), () -> checks.get() >= before + 9);
      int calls = failing.calls.get();
      for (int i = 0; i < 30; i++) {
        Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
      }
      assertThat(failing.calls.get()).as("calls to the ejected server").isEqualTo(calls);
    }
  }

  private static Map<String, ?> healthConfig(String interval, String timeout) {
    return Map.of(
        "healthCheck",
        Map.of(
            "serviceName",
            "orders",
            "interval",
            interval,
            "timeout",
            timeout,
            "jitter",
            "0s",
            "healthyThreshold",
            1.0,
            "unhealthyThreshold",
            1.0));
  }

  private ManagedChannel inProcessChannel(Map<String, ?> config) {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (Backend b : grpc.backends) {
      groups.add(new EquivalentAddressGroup(b.address()));
    }
    @SuppressWarnings("deprecation") // fixed addresses for a test channel
    ManagedChannel channel =
        InProcessChannelBuilder.forTarget("manual:///health")
            .nameResolverFactory(new ManualResolver(groups))
            .defaultServiceConfig(LbkitPolicies.serviceConfig(LbkitPolicies.ROUND_ROBIN, config))
            .build();
    return grpc.add(channel);
  }

  /** Waits until 30 calls in a row avoid the server. */
  private static void awaitAvoided(ManagedChannel channel, Backend sick) {
    awaitAvoided(channel, sick, false);
  }

  /** Waits until 30 calls in a row avoid the server, counting a failed call as reaching it. */
  private static void awaitAvoided(ManagedChannel channel, Backend sick, boolean sickFails) {
    int[] streak = new int[1];
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          boolean reached;
          try {
            reached = Backend.call(channel, Backend.CALL_DEADLINE_MILLIS).equals(sick.name);
          } catch (StatusRuntimeException e) {
            if (!sickFails) {
              throw e;
            }
            reached = true;
          }
          streak[0] = reached ? 0 : streak[0] + 1;
          return streak[0] >= 30;
        });
  }

  /** Waits until the server takes a call again. */
  private static void awaitServing(ManagedChannel channel, Backend healed) {
    int before = healed.calls.get();
    GrpcTestSupport.await(
        Duration.ofSeconds(20),
        () -> {
          Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          return healed.calls.get() > before;
        });
  }
}
