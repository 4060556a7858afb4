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

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each policy against three real servers on loopback ports, addressed through the {@code lbkit:}
 * resolver, with the calls counted at the servers.
 */
class DistributionTest {
  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @BeforeEach
  void startBackends() throws Exception {
    for (int i = 0; i < 3; i++) {
      grpc.add(Backend.netty("b" + i));
    }
  }

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  @Test
  void roundRobinIsExactlyEven() {
    ManagedChannel channel = channel(LbkitPolicies.ROUND_ROBIN, 1, 1, 1);
    assertThat(run(channel, 300)).containsExactly(100, 100, 100);
  }

  @Test
  void weightedRoundRobinFollowsWeightsFromTheTarget() {
    ManagedChannel channel = channel(LbkitPolicies.WEIGHTED_ROUND_ROBIN, 1, 2, 3);
    List<Integer> counts = run(channel, 600);
    assertThat(counts.get(0)).isBetween(90, 110);
    assertThat(counts.get(1)).isBetween(190, 210);
    assertThat(counts.get(2)).isBetween(290, 310);
  }

  @Test
  void randomReachesEveryServer() {
    ManagedChannel channel = channel(LbkitPolicies.RANDOM, 1, 1, 1);
    // Expected 100 each, standard deviation about 8: these bounds are 6 deviations wide.
    assertThat(run(channel, 300)).allSatisfy(c -> assertThat(c).isBetween(50, 150));
  }

  @Test
  void weightedRandomFollowsWeights() {
    ManagedChannel channel = channel(LbkitPolicies.WEIGHTED_RANDOM, 1, 2, 3);
    List<Integer> counts = run(channel, 600);
    assertThat(counts.get(0)).isBetween(50, 150);
    assertThat(counts.get(1)).isBetween(130, 270);
    assertThat(counts.get(2)).isBetween(220, 380);
  }

  @Test
  void leastConnectionsAvoidsTheServerWithACallInFlight() throws Exception {
    avoidsBusyServer(LbkitPolicies.LEAST_CONNECTIONS);
  }

  @Test
  void powerOfTwoChoicesAvoidsTheServerWithACallInFlight() throws Exception {
    avoidsBusyServer(LbkitPolicies.POWER_OF_TWO_CHOICES);
  }

  @Test
  void leastResponseTimeAvoidsTheSlowServer() {
    for (String policy : List.of(LbkitPolicies.LEAST_RESPONSE_TIME, LbkitPolicies.PEAK_EWMA)) {
      // A short decay, so that latency peaks of a cold JVM's first calls fade within the test.
      ManagedChannel channel =
          channel(policy, Map.of("latencyModel", Map.of("decay", "0.5s")), 1, 1, 1);
      grpc.warmUp(channel);
      count(channel, 200);
      Backend slow = grpc.backends.get(0);
      // Far slower than the pauses of a loaded machine, which slow the other servers' calls too.
      slow.delayMillis = 200;
      for (Backend b : grpc.backends) {
        b.calls.set(0);
      }
      List<Integer> counts = count(channel, 100);
      assertThat(counts.get(0)).as(policy).isLessThan(10);
      assertThat(counts.get(1) + counts.get(2)).as(policy).isGreaterThan(90);
      slow.delayMillis = 0;
      for (Backend b : grpc.backends) {
        b.calls.set(0);
      }
    }
  }

  /**
   * Backend 0 holds its calls: once it has one in flight, a load-aware policy sends nothing more
   * there while the others are idle, which proves that in-flight counts follow real calls.
   */
  private void avoidsBusyServer(String policy) throws Exception {
    ManagedChannel channel = channel(policy, 1, 1, 1);
    grpc.warmUp(channel);
    Backend busy = grpc.backends.get(0);
    busy.hold = true;
    List<ListenableFuture<String>> pending = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      int before = busy.heldCount();
      ListenableFuture<String> f =
          ClientCalls.futureUnaryCall(
              channel.newCall(
                  Backend.ECHO, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)),
              "hi");
      GrpcTestSupport.await(Duration.ofSeconds(20), () -> f.isDone() || busy.heldCount() > before);
      pending.add(f);
    }
    assertThat(busy.heldCount()).as(policy).isEqualTo(1);
    busy.releaseHeld();
    for (ListenableFuture<String> f : pending) {
      assertThat(f.get(5, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  private ManagedChannel channel(String policy, double... weights) {
    return channel(policy, Map.of(), weights);
  }

  private ManagedChannel channel(String policy, Map<String, ?> config, double... weights) {
    StringBuilder target = new StringBuilder("lbkit:///");
    for (int i = 0; i < weights.length; i++) {
      target
          .append(i == 0 ? "" : ",")
          .append("127.0.0.1:")
          .append(grpc.backends.get(i).port())
          .append("?weight=")
          .append(weights[i]);
    }
    return grpc.add(
        NettyChannelBuilder.forTarget(target.toString())
            .usePlaintext()
            .defaultServiceConfig(LbkitPolicies.serviceConfig(policy, config))
            .build());
  }

  private List<Integer> run(ManagedChannel channel, int calls) {
    grpc.warmUp(channel);
    return count(channel, calls);
  }

  private List<Integer> count(ManagedChannel channel, int calls) {
    for (int i = 0; i < calls; i++) {
      Backend.call(channel, 5000);
    }
    List<Integer> counts = new ArrayList<>();
    for (Backend b : grpc.backends) {
      counts.add(b.calls.get());
    }
    return counts;
  }
}
