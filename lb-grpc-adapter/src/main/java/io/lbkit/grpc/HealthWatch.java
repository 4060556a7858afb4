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

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One server's {@code grpc.health.v1.Health/Watch} stream: the server pushes each change of its
 * serving status, so a server that turns NOT_SERVING stops getting calls within a round trip
 * instead of at the next poll.
 *
 * <p>A stream that ends (the server restarted its health service, or the connection closed) counts
 * as not serving and is opened again after the retry delay, as long as the watch is not stopped. A
 * server without the method (UNIMPLEMENTED) is reported once through {@link
 * Listener#onUnimplemented()} and not asked again.
 *
 * <p>Threading: {@link #start()} and {@link #stop()} run on the channel's synchronization context,
 * and every listener call is made there too (the call's callbacks hop onto it), so the fields need
 * no other guard.
 */
final class HealthWatch {
  /** Hears one server's health; called on the synchronization context. */
  interface Listener {
    /**
     * The server's status changed or was first reported.
     *
     * @param serving whether the server answered SERVING
     * @param why what the server said, for the log
     */
    void onServingStatus(boolean serving, String why);

    /** The server has no {@code Watch} method: the caller falls back to polling. */
    void onUnimplemented();
  }

  private final Channel channel;
  private final HealthCheckRequest request;
  private final SynchronizationContext syncContext;
  private final ScheduledExecutorService timer;
  private final long retryNanos;
  private final Listener listener;

  // Confined to the synchronization context.
  private @Nullable ClientCall<HealthCheckRequest, HealthCheckResponse> call;
  private SynchronizationContext.@Nullable ScheduledHandle retry;
  private boolean stopped;

  HealthWatch(
      Channel channel,
      String serviceName,
      SynchronizationContext syncContext,
      ScheduledExecutorService timer,
      long retryNanos,
      Listener listener) {
    this.channel = requireNonNull(channel, "channel");
    this.request = HealthCheckRequest.newBuilder().setService(serviceName).build();
    this.syncContext = requireNonNull(syncContext, "syncContext");
    this.timer = requireNonNull(timer, "timer");
    this.retryNanos = retryNanos;
    this.listener = requireNonNull(listener, "listener");
  }

  /** Opens the stream. Called on the synchronization context. */
  void start() {
    if (stopped || call != null) {
      return;
    }
    ClientCall<HealthCheckRequest, HealthCheckResponse> c =
        channel.newCall(HealthGrpc.getWatchMethod(), CallOptions.DEFAULT);
    call = c;
    c.start(
        new ClientCall.Listener<HealthCheckResponse>() {
          @Override
          public void onMessage(HealthCheckResponse response) {
            syncContext.execute(() -> onResponse(c, response));
            c.request(1);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            syncContext.execute(() -> onEnd(c, status));
          }
        },
        new Metadata());
    c.sendMessage(request);
    c.halfClose();
    c.request(1);
  }

  /** Closes the stream and cancels any retry; no listener call follows. */
  void stop() {
    stopped = true;
    SynchronizationContext.ScheduledHandle r = retry;
    if (r != null) {
      r.cancel();
      retry = null;
    }
    ClientCall<HealthCheckRequest, HealthCheckResponse> c = call;
    call = null;
    if (c != null) {
      c.cancel("health watch stopped", null);
    }
  }

  private void onResponse(
      ClientCall<HealthCheckRequest, HealthCheckResponse> c, HealthCheckResponse response) {
    if (stopped || call != c) {
      return; // a stream this watch has already let go of
    }
    HealthCheckResponse.ServingStatus status = response.getStatus();
    listener.onServingStatus(
        status == HealthCheckResponse.ServingStatus.SERVING,
        "answers " + status + " to grpc.health.v1.Health/Watch" + forService());
  }

  private void onEnd(ClientCall<HealthCheckRequest, HealthCheckResponse> c, Status status) {
    if (stopped || call != c) {
      return;
    }
    call = null;
    if (status.getCode() == Status.Code.UNIMPLEMENTED) {
      stopped = true;
      listener.onUnimplemented();
      return;
    }
    listener.onServingStatus(
        false,
        "ended its grpc.health.v1.Health/Watch stream"
            + forService()
            + " ("
            + StatusText.describe(status)
            + ")");
    try {
      retry =
          syncContext.schedule(
              () -> {
                retry = null;
                start();
              },
              retryNanos,
              TimeUnit.NANOSECONDS,
              timer);
    } catch (RejectedExecutionException e) {
      // The channel is shutting down: no more health checks.
    }
  }

  private String forService() {
    return request.getService().isEmpty() ? "" : " for service '" + request.getService() + "'";
  }

  @Override
  public String toString() {
    return "HealthWatch{service='" + request.getService() + "', open=" + (call != null) + '}';
  }
}
