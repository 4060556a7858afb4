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
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Least response time against three real servers on loopback, called one call at a time as a user
 * would: one slow reply, or a restarted server's cold first replies, must not starve the server for
 * long. Finagle-style peak EWMA (an estimate that decays towards zero over 10 s) starved it for
 * tens of seconds; these bounds leave room for a loaded machine and still fail on that.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeastResponseTimeRecoveryTest {
  private static final long RECOVERY_BOUND_NANOS = TimeUnit.SECONDS.toNanos(4);

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
  void oneSlowReplyStarvesTheServerOnlyBriefly() {
    ManagedChannel channel = channel();
    grpc.warmUp(channel);
    callRepeatedly(channel, 300);
    Backend b0 = grpc.backends.get(0);
    int before = b0.calls.get();
    b0.delayMillis = 100;
    while (b0.calls.get() == before) {
      Backend.call(channel, 5000);
    }
    b0.delayMillis = 0;
    assertRecovers(channel, b0);
  }

  @Test
  void restartedServerWithColdFirstRepliesIsNotStarved() throws Exception {
    ManagedChannel channel = channel();
    grpc.warmUp(channel);
    callRepeatedly(channel, 300);
    Backend old = grpc.backends.get(0);
    int port = old.port();
    old.close();
    callRepeatedly(channel, 100);
    // Back on the same port, answering its first 3 calls in 180 ms as a cold JVM does.
    Backend b0 = Backend.netty("b0-restarted", port);
    grpc.backends.set(0, b0);
    b0.delayMillis = 180;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (b0.calls.get() < 3) {
      assertThat(System.nanoTime()).as("the restarted server is called again").isLessThan(deadline);
      call(channel);
    }
    b0.delayMillis = 0;
    assertRecovers(channel, b0);
  }

  /** The server gets a call again within the bound, and then a real share of the calls. */
  private void assertRecovers(ManagedChannel channel, Backend server) {
    int after = server.calls.get();
    long start = System.nanoTime();
    while (server.calls.get() == after) {
      assertThat(System.nanoTime() - start)
          .as("time until the server is called again")
          .isLessThan(RECOVERY_BOUND_NANOS);
      call(channel);
    }
    // Its estimate settles within about a decay time (500 ms): keep calling for a second, then
    // count.
    long settled = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() < settled) {
      call(channel);
    }
    // Then count its share over three seconds of calls. A fair share is a third; sub-millisecond
    // loopback latencies jitter with the machine's load, and a server that looked a few times
    // slower for a moment sits out about one decay time (500 ms), so the window is long and the
    // bound loose: a starved server (as under Finagle-style peak EWMA, for tens of seconds) gets
    // nothing.
    int markCalls = server.calls.get();
    int total = 0;
    long window = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (System.nanoTime() < window) {
      call(channel);
      total++;
    }
    assertThat(server.calls.get() - markCalls)
        .as("calls to the recovered server out of %d", total)
        .isGreaterThan(total / 20);
  }

  private static void call(ManagedChannel channel) {
    try {
      Backend.call(channel, 5000);
    } catch (StatusRuntimeException e) {
      // A call that raced the server's shutdown; the balancing is what this test looks at.
    }
  }

  private static void callRepeatedly(ManagedChannel channel, int n) {
    for (int i = 0; i < n; i++) {
      call(channel);
    }
  }

  private ManagedChannel channel() {
    StringBuilder target = new StringBuilder("lbkit:///");
    for (int i = 0; i < grpc.backends.size(); i++) {
      target.append(i == 0 ? "" : ",").append("127.0.0.1:").append(grpc.backends.get(i).port());
    }
    return grpc.add(
        NettyChannelBuilder.forTarget(target.toString())
            .usePlaintext()
            .defaultServiceConfig(
                LbkitPolicies.serviceConfig(LbkitPolicies.LEAST_RESPONSE_TIME, Map.of()))
            .build());
  }
}
