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
package io.lbkit.kubernetes;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.lbkit.core.ServerSource;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One started {@link EndpointSliceSource}: an informer on the service's slices and the thread that
 * merges its cache and delivers the result.
 *
 * <p>The informer's events only ask for an update; the update runs on this registration's thread
 * and reads the informer's whole cache, so a burst of events (the first list, a rollout) gives one
 * delivery of the merged slices, and a delivery never sees one slice without the others.
 */
final class EndpointSliceWatch implements ServerSource.Registration {
  private static final Logger logger = LoggerFactory.getLogger(EndpointSliceWatch.class);

  /** How often the thread looks whether the watch broke or is back, or a resync is due. */
  static final long TICK_MILLIS = 500;

  /**
   * How long the watch may be down before it is reported: the client reconnects a watch that the
   * API server ends (it does every few minutes) at once, which is no failure; one that stays down
   * is. The client retries on its own, with backoff, without telling anyone: this is how the status
   * learns of it.
   */
  static final Duration WATCH_DOWN_GRACE = Duration.ofSeconds(5);

  private final EndpointSliceSource source;
  private final ServerSource.Listener listener;
  private final KubernetesClient client;
  private final boolean ownsClient;
  private final ScheduledThreadPoolExecutor executor;
  private final SharedIndexInformer<EndpointSlice> informer;
  private final long resyncNanos;
  // Set by whoever asks for an update, cleared by the update before it reads the cache: an event
  // that lands after the read finds it clear and asks again, so no change is left undelivered.
  // Atomic (not guarded by the lock) because the informer's threads ask without blocking.
  private final AtomicBoolean updatePending = new AtomicBoolean();
  // Guarded by this: deliveries and close() synchronize on this object, once per change or per
  // call of the application (never on the pick path), so that once close() has returned no
  // delivery is under way and none will start.
  private boolean closed;
  // Confined to the executor's one thread.
  // Whether a failure of the watch was reported since the last update: the next tick with the
  // watch up delivers the list again, so that the status recovers even if nothing changed.
  private boolean watchFailed;
  // The informer's resource version of the cache that was last delivered: a tick that finds a newer
  // one delivers it, so that no change waits for an event that did not come.
  private @Nullable String deliveredVersion;
  private long lastDelivery = System.nanoTime();
  private boolean down;
  private long downSince;
  private boolean downReported;
  private List<String> lastSkipped = List.of();

  private EndpointSliceWatch(
      EndpointSliceSource source,
      ServerSource.Listener listener,
      KubernetesClient client,
      boolean ownsClient) {
    this.source = source;
    this.listener = listener;
    this.client = client;
    this.ownsClient = ownsClient;
    this.resyncNanos = source.resyncInterval().toNanos();
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "lbkit-discovery-" + source.name());
              t.setDaemon(true);
              return t;
            });
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    // The informer's own resync is off: the resync is this registration's, on its thread, so
    // that it also tells of a service with no slice at all.
    this.informer =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(source.namespace())
            .withLabel(EndpointSliceSource.SERVICE_NAME_LABEL, source.service())
            .runnableInformer(0);
  }

  /** A client configured from {@code config}, for a registration that owns it. */
  static KubernetesClient newClient(Config config) {
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  static EndpointSliceWatch start(
      EndpointSliceSource source,
      ServerSource.Listener listener,
      KubernetesClient client,
      boolean ownsClient) {
    EndpointSliceWatch watch;
    try {
      watch = new EndpointSliceWatch(source, listener, client, ownsClient);
    } catch (RuntimeException e) {
      if (ownsClient) {
        client.close();
      }
      throw e;
    }
    try {
      watch.begin();
    } catch (RuntimeException e) {
      watch.close(); // the thread, the informer and an owned client do not outlive a failed start
      throw e;
    }
    return watch;
  }

  private void begin() {
    informer.addEventHandler(
        new ResourceEventHandler<EndpointSlice>() {
          @Override
          public void onAdd(EndpointSlice slice) {
            requestUpdate();
          }

          @Override
          public void onUpdate(EndpointSlice before, EndpointSlice after) {
            requestUpdate();
          }

          @Override
          public void onDelete(EndpointSlice slice, boolean finalStateUnknown) {
            requestUpdate();
          }

          @Override
          public void onList(String resourceVersion, boolean cached) {
            // Listed: the first time, or again after a failure, when unchanged slices give no
            // event and no slice at all gives none either.
            requestUpdate();
          }
        });
    // Keeps retrying whatever the failure (the API server away, RBAC refusing): each is reported,
    // and the informer reconnects with its own backoff until close().
    informer.exceptionHandler(
        (started, error) -> {
          report(error);
          return !isClosed();
        });
    // Cancelled by shutdownNow() in close().
    ScheduledFuture<?> unused =
        executor.scheduleWithFixedDelay(
            this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    informer.start().whenComplete((ignored, error) -> requestUpdate());
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  private void requestUpdate() {
    if (updatePending.compareAndSet(false, true)) {
      submit(this::update);
    }
  }

  private void report(Throwable error) {
    logger.debug("discovery {}: watch failed", source.name(), error);
    submit(
        () -> {
          synchronized (this) {
            if (closed) {
              return;
            }
            watchFailed = true;
            deliver(() -> listener.onError(error));
          }
        });
  }

  private void submit(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // Closed: nothing more is delivered.
    }
  }

  /**
   * On the thread: a watch down for longer than {@link #WATCH_DOWN_GRACE} (or never up) is
   * reported; when it is up, a failure reported since, a change not yet delivered, or a resync that
   * is due gets an update. A periodic task that throws is never run again: nothing escapes.
   */
  private void tick() {
    try {
      long now = System.nanoTime();
      if (!watching()) {
        // The cache may be stale: only a working watch's cache is delivered.
        if (!down) {
          down = true;
          downSince = now;
        } else if (!downReported && now - downSince >= WATCH_DOWN_GRACE.toNanos()) {
          downReported = true;
          report(
              new IllegalStateException(
                  "the watch of the EndpointSlices of "
                      + source.namespace()
                      + "/"
                      + source.service()
                      + (informer.hasSynced() ? " has been down for " : " has not started in ")
                      + Duration.ofNanos(now - downSince).toSeconds()
                      + " s; the client keeps trying"));
        }
        return;
      }
      down = false;
      downReported = false;
      if (watchFailed
          || !Objects.equals(informer.lastSyncResourceVersion(), deliveredVersion)
          || now - lastDelivery >= resyncNanos) {
        update();
      }
    } catch (RuntimeException e) {
      logger.warn("discovery {}: check failed", source.name(), e);
    }
  }

  /** Whether the informer's watch is up; a client that cannot say counts as down. */
  private boolean watching() {
    try {
      return informer.isWatching();
    } catch (RuntimeException e) {
      return false; // the client's state is changing under the question (a reconnect)
    }
  }

  private void update() {
    updatePending.set(false);
    if (!informer.hasSynced()) {
      return; // not listed yet: nothing is known (failures are reported by the handler)
    }
    // Read before the cache: a change that lands in between is delivered by the next tick.
    String version = informer.lastSyncResourceVersion();
    SliceMembership merged = null;
    RuntimeException error = null;
    try {
      merged = source.merge(informer.getStore().list());
    } catch (RuntimeException e) {
      error = e; // no slice, or no slice with the port: a failure, never "no servers"
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      lastDelivery = System.nanoTime();
      deliveredVersion = version;
      watchFailed = false;
      if (merged == null) {
        RuntimeException e = error;
        deliver(() -> listener.onError(e == null ? new IllegalStateException() : e));
        return;
      }
      SliceMembership m = merged;
      deliver(() -> listener.onServers(m.servers(), m.health()));
    }
    if (!merged.skipped().equals(lastSkipped)) {
      lastSkipped = merged.skipped();
      if (!lastSkipped.isEmpty()) {
        logger.warn("discovery {}: endpoints left out: {}", source.name(), lastSkipped);
      }
    }
  }

  private void deliver(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      // A listener that throws must not stop the watch.
      logger.warn("discovery {}: listener failed", source.name(), e);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      informer.stop();
    } finally {
      executor.shutdownNow();
      if (ownsClient) {
        client.close();
      }
    }
  }

  @Override
  public String toString() {
    return "EndpointSliceWatch{" + source.name() + "}";
  }
}
