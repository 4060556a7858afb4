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

import io.grpc.Channel;
import io.grpc.SynchronizationContext;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the grpc.health.v1 Watch stream of each ready child while health checks are on, and passes
 * its answers to a {@link Listener}. A server without the method (UNIMPLEMENTED) is marked to be
 * polled with Check by lbkit's active health check instead. Called on the channel's synchronization
 * context; the listener is called there too.
 */
final class HealthWatches {
  // The balancer's logger, under which this line has always been logged.
  private static final Logger logger = LoggerFactory.getLogger(LbkitGrpcLoadBalancer.class);

  /** Receives the Watch answers. */
  interface Listener {
    /**
     * The child's server answered: serving or not, and why (null for the fallback to Check, which
     * counts as serving until Check says otherwise).
     */
    void onWatchedHealth(ChildSubchannel c, boolean serving, @Nullable String why);
  }

  private final SynchronizationContext syncContext;
  private final ScheduledExecutorService scheduler;
  // The channel's target: the name in every log line.
  private final String target;
  private final Listener listener;
  // Confined to the synchronization context. Null while health checks are off.
  private @Nullable String serviceName;
  // How long a Watch stream that ended waits before it is opened again: the check interval.
  private long retryNanos;

  HealthWatches(
      SynchronizationContext syncContext,
      ScheduledExecutorService scheduler,
      String target,
      Listener listener) {
    this.syncContext = syncContext;
    this.scheduler = scheduler;
    this.target = target;
    this.listener = listener;
  }

  /**
   * Watches {@code serviceName} from now on, a stream that ended opened again after {@code
   * retryNanos}; a null service name turns watching off.
   */
  void configure(@Nullable String serviceName, long retryNanos) {
    this.serviceName = serviceName;
    this.retryNanos = retryNanos;
  }

  /**
   * Opens the child's health Watch when health checks are on and it has the method; until the first
   * answer it is not picked (as in gRPC's own health checking).
   */
  void start(ChildSubchannel c) {
    String service = serviceName;
    Channel channel = c.healthChannel();
    if (service == null || channel == null || c.watch != null || c.watchUnsupported) {
      return;
    }
    c.serving = false;
    c.awaitingHealth = true;
    HealthWatch w =
        new HealthWatch(
            channel,
            service,
            syncContext,
            scheduler,
            retryNanos,
            new HealthWatch.Listener() {
              @Override
              public void onServingStatus(boolean serving, String why) {
                listener.onWatchedHealth(c, serving, why);
              }

              @Override
              public void onUnimplemented() {
                c.watchUnsupported = true;
                c.watch = null;
                logger.info(
                    "{}: server {} has no grpc.health.v1.Health/Watch; polling Check instead",
                    target,
                    c.server.id());
                listener.onWatchedHealth(c, true, null);
              }
            });
    c.watch = w;
    w.start();
  }
}
