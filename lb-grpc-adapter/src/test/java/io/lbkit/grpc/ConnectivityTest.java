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

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.lbkit.core.HealthState;
import io.lbkit.core.ServerStatus;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A subchannel's connectivity reaches lbkit through its own input, apart from what the application
 * sets: a lost connection makes the server unreachable (UNHEALTHY, with gRPC's reason), and leaves
 * the application's health as it was. Real servers on loopback.
 */
class ConnectivityTest {
  private static final String CAPTURING_ROUND_ROBIN = "test_capturing_round_robin";
  private static CapturingPolicy policy;

  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @BeforeAll
  static void register() {
    policy = CapturingPolicy.register(CAPTURING_ROUND_ROBIN, LbkitPolicies.ROUND_ROBIN);
  }

  @AfterAll
  static void deregister() {
    policy.close();
  }

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  /**
   * The reported defect: the adapter mapped connectivity onto the application-health setter, so a
   * lost connection read as "set UNHEALTHY by the application" and overwrote what the application
   * had set.
   */
  @Test
  void aLostConnectionMakesTheServerUnreachableNotUnhealthyByTheApplication() throws Exception {
    ManagedChannel channel = CapturingPolicy.channel(grpc, CAPTURING_ROUND_ROBIN, 2, "c");
    grpc.warmUp(channel);
    Backend killed = grpc.backends.get(0);
    String id = CapturingPolicy.serverId(killed);
    killed.close();

    GrpcTestSupport.await(
        Duration.ofSeconds(30), () -> policy.status(id).state() == HealthState.UNHEALTHY);
    ServerStatus lost = policy.status(id);
    assertThat(lost.applicationState()).isEqualTo(HealthState.HEALTHY);
    assertThat(lost.reason()).contains("lost its connection (subchannel");
    assertThat(lost.isEligible()).isFalse();

    // Calls keep going to the server that is up.
    Backend alive = grpc.backends.get(1);
    for (int i = 0; i < 10; i++) {
      try {
        assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isEqualTo(alive.name);
      } catch (StatusRuntimeException e) {
        // A call racing with the connection's end may fail; nothing may hang.
      }
    }
  }
}
