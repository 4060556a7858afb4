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

import static java.util.Objects.requireNonNull;

import io.grpc.ChannelLogger;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * An {@code lbkit:} resolver started the way a channel starts it (a synchronization context, a
 * timer, an offload executor), recording what it tells the channel, for tests that watch each
 * result. {@link #close()} shuts the resolver and the executors down.
 */
final class ResolverHarness implements AutoCloseable {
  final SynchronizationContext syncContext =
      new SynchronizationContext(
          (t, e) -> {
            throw new AssertionError(e);
          });
  final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
  private final ExecutorService pool =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "offload-test");
            t.setDaemon(true);
            return t;
          });
  // Tasks the offload executor has started, and run to the end: a look-up and its delivery.
  private final AtomicInteger started = new AtomicInteger();
  final AtomicInteger offloaded = new AtomicInteger();
  private final Executor offload =
      task ->
          pool.execute(
              () -> {
                started.incrementAndGet();
                try {
                  task.run();
                } finally {
                  offloaded.incrementAndGet();
                }
              });
  final List<List<EquivalentAddressGroup>> results = new CopyOnWriteArrayList<>();
  final List<Status> errors = new CopyOnWriteArrayList<>();
  private @Nullable NameResolver resolver;

  ResolverHarness() {
    timer.setRemoveOnCancelPolicy(true);
  }

  /** Creates the resolver of {@code target} through the provider and starts it. */
  NameResolver start(String target) {
    NameResolver r =
        requireNonNull(
            new LbkitNameResolvers.Provider().newNameResolver(URI.create(target), args()));
    resolver = r;
    syncContext.execute(
        () ->
            r.start(
                new NameResolver.Listener2() {
                  @Override
                  public void onResult(NameResolver.ResolutionResult result) {
                    results.add(result.getAddressesOrError().getValue());
                  }

                  @Override
                  public void onError(Status error) {
                    errors.add(error);
                  }
                }));
    return r;
  }

  /** Asks for a refresh, as a balancer does. */
  void refresh() {
    syncContext.execute(requireNonNull(resolver)::refresh);
  }

  /**
   * Asks for a refresh, as a balancer does, and waits until a look-up that started after the call
   * has run to the end and its result has been handled.
   */
  void refreshAndWait() {
    // A look-up under way may have begun before the test changed the records: let it end first.
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> started.get() == offloaded.get());
    int before = offloaded.get();
    syncContext.execute(requireNonNull(resolver)::refresh);
    // A delivery is handled in the synchronization context before its offload task ends.
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> offloaded.get() > before);
  }

  /** Waits until the channel has heard {@code count} results. */
  List<EquivalentAddressGroup> awaitResult(int count) {
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> results.size() >= count);
    return results.get(count - 1);
  }

  /** Waits until the channel has heard {@code count} errors. */
  Status awaitError(int count) {
    GrpcTestSupport.await(Duration.ofSeconds(20), () -> errors.size() >= count);
    return errors.get(count - 1);
  }

  /** Shuts the resolver down in the synchronization context, as the channel does. */
  void shutdown() {
    NameResolver r = resolver;
    resolver = null;
    if (r != null) {
      syncContext.execute(r::shutdown);
    }
  }

  static List<InetSocketAddress> addresses(List<EquivalentAddressGroup> groups) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (EquivalentAddressGroup g : groups) {
      g.getAddresses().forEach(a -> out.add((InetSocketAddress) a));
    }
    return out;
  }

  static List<Double> weights(List<EquivalentAddressGroup> groups) {
    List<Double> out = new ArrayList<>();
    for (EquivalentAddressGroup g : groups) {
      out.add(requireNonNull(g.getAttributes().get(LbkitPolicies.WEIGHT)));
    }
    return out;
  }

  @Override
  public void close() {
    shutdown();
    timer.shutdownNow();
    pool.shutdownNow();
  }

  private NameResolver.Args args() {
    return NameResolver.Args.newBuilder()
        .setDefaultPort(443)
        .setProxyDetector(address -> null)
        .setSynchronizationContext(syncContext)
        .setScheduledExecutorService(timer)
        .setOffloadExecutor(offload)
        .setServiceConfigParser(
            new NameResolver.ServiceConfigParser() {
              @Override
              public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> raw) {
                return NameResolver.ConfigOrError.fromConfig(raw);
              }
            })
        .setChannelLogger(
            new ChannelLogger() {
              @Override
              public void log(ChannelLogLevel level, String message) {}

              @Override
              public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
            })
        .build();
  }
}
