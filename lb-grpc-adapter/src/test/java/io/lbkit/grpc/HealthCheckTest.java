package io.lbkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
}
