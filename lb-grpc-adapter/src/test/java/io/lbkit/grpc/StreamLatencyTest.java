package io.lbkit.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A call's latency is its time to response headers, not the life of its stream; the stream still
 * counts as in flight until it closes. Real servers on loopback.
 */
class StreamLatencyTest {
  private final GrpcTestSupport grpc = new GrpcTestSupport();

  @AfterEach
  void stop() throws Exception {
    grpc.close();
  }

  @Test
  void longStreamDoesNotMakeItsServerLookSlowToLeastResponseTime() throws Exception {
    ManagedChannel channel = channel(LbkitPolicies.LEAST_RESPONSE_TIME);
    grpc.warmUp(channel);

    // A stream open for about 2 s, while unary calls keep both servers measured.
    Iterator<String> stream = openStream(channel);
    String streamedBy = stream.next();
    long openUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (System.nanoTime() < openUntil) {
      Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
    }
    backend(streamedBy).endStreams();
    assertThat(stream.next()).isEqualTo("end");
    assertThat(stream.hasNext()).isFalse();

    for (Backend b : grpc.backends) {
      b.calls.set(0);
    }
    int total = 400;
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(
            callers.submit(
                () -> {
                  for (int i = 0; i < total / 4; i++) {
                    Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdownNow();
    }
    // Counted by stream lifetime, its latency would be 2 s against about a millisecond, and it
    // would get next to no calls; by time to headers the two servers are alike.
    assertThat(backend(streamedBy).calls.get())
        .as("calls to the server that held the stream, of %d", total)
        .isGreaterThanOrEqualTo(total / 8);
  }

  @Test
  void openStreamCountsAsInFlightUntilItCloses() throws Exception {
    ManagedChannel channel = channel(LbkitPolicies.LEAST_CONNECTIONS);
    grpc.warmUp(channel);

    Iterator<String> stream = openStream(channel);
    String streamedBy = stream.next(); // headers and the first message are in
    // The streaming server has a call in flight, the other none: every call goes to the other.
    for (int i = 0; i < 20; i++) {
      assertThat(Backend.call(channel, Backend.CALL_DEADLINE_MILLIS)).isNotEqualTo(streamedBy);
    }

    backend(streamedBy).endStreams();
    assertThat(stream.next()).isEqualTo("end");
    assertThat(stream.hasNext()).isFalse();
    int before = backend(streamedBy).calls.get();
    GrpcTestSupport.await(
        java.time.Duration.ofSeconds(20),
        () -> {
          Backend.call(channel, Backend.CALL_DEADLINE_MILLIS);
          return backend(streamedBy).calls.get() > before;
        });
  }

  private ManagedChannel channel(String policy) throws Exception {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Backend b = grpc.add(Backend.netty("s" + i));
      groups.add(new EquivalentAddressGroup(b.address()));
    }
    @SuppressWarnings("deprecation") // fixed addresses for a test channel
    ManagedChannel channel =
        NettyChannelBuilder.forTarget("manual:///streams")
            .nameResolverFactory(new ManualResolver(groups))
            .usePlaintext()
            .defaultServiceConfig(LbkitPolicies.serviceConfig(policy, Map.of()))
            .build();
    return grpc.add(channel);
  }

  private static Iterator<String> openStream(ManagedChannel channel) {
    return ClientCalls.blockingServerStreamingCall(
        channel, Backend.STREAM, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), "hi");
  }

  private Backend backend(String name) {
    return grpc.backends.stream().filter(b -> b.name.equals(name)).findFirst().orElseThrow();
  }
}
