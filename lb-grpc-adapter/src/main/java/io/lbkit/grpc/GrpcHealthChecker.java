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

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.lbkit.core.HealthChecker;
import io.lbkit.core.Server;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An lbkit {@link HealthChecker} that asks a server's {@code grpc.health.v1.Health/Check}: healthy
 * when it answers SERVING for the configured service name. Servers whose health a {@link
 * HealthWatch} follows pass without a call: their Watch stream already says what Check would.
 *
 * <p>A server without the health service (UNIMPLEMENTED) counts as healthy, as in gRPC's own
 * client-side health checking: the check cannot tell, and the server answers calls. Any other error
 * or a missed deadline counts as unhealthy. The check is asynchronous and never blocks.
 */
final class GrpcHealthChecker implements HealthChecker {
  private final HealthCheckRequest request;
  private final Function<Server, @Nullable Channel> channels;
  private final Predicate<Server> watched;

  /**
   * @param serviceName the service to ask about ("" for the server as a whole)
   * @param channels the channel to a server, or null if it has none (then it is unhealthy)
   * @param watched whether a Watch stream follows the server's health (then it is not asked)
   */
  GrpcHealthChecker(
      String serviceName, Function<Server, @Nullable Channel> channels, Predicate<Server> watched) {
    this.request =
        HealthCheckRequest.newBuilder()
            .setService(requireNonNull(serviceName, "serviceName"))
            .build();
    this.channels = requireNonNull(channels, "channels");
    this.watched = requireNonNull(watched, "watched");
  }

  @Override
  public CompletableFuture<Boolean> check(Server server, Duration timeout) {
    if (watched.test(server)) {
      return CompletableFuture.completedFuture(true);
    }
    Channel channel = channels.apply(server);
    if (channel == null) {
      return CompletableFuture.completedFuture(false);
    }
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    ListenableFuture<HealthCheckResponse> call =
        HealthGrpc.newFutureStub(channel)
            .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
            .check(request);
    Futures.addCallback(
        call,
        new FutureCallback<HealthCheckResponse>() {
          @Override
          public void onSuccess(@Nullable HealthCheckResponse response) {
            result.complete(
                response != null
                    && response.getStatus() == HealthCheckResponse.ServingStatus.SERVING);
          }

          @Override
          public void onFailure(Throwable t) {
            result.complete(Status.fromThrowable(t).getCode() == Status.Code.UNIMPLEMENTED);
          }
        },
        MoreExecutors.directExecutor());
    return result;
  }

  @Override
  public String toString() {
    return "GrpcHealthChecker{service='" + request.getService() + "'}";
  }
}
