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
package io.lbkit.micrometer;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.Server;
import io.lbkit.okhttp.LoadBalancingInterceptor;
import io.lbkit.okhttp.RetryListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Counts the OkHttp adapter's retries and failovers: register it on the interceptor with {@link
 * LoadBalancingInterceptor.Builder#retryListener} and bind it to a registry. Needs {@code
 * lb-http-adapter} on the class path (the rest of this module does not).
 *
 * <pre>{@code
 * OkHttpRetryMetrics retries = new OkHttpRetryMetrics();
 * retries.bindTo(registry);
 * LoadBalancingInterceptor interceptor = LoadBalancingInterceptor.builder()
 *     .service("orders", balancer)
 *     .retryListener(retries)
 *     .build();
 * }</pre>
 *
 * <table>
 *   <caption>Meters, each tagged {@code serviceId}: the balancer's name</caption>
 *   <tr><th>Name</th><th>Type</th><th>Tags</th><th>What</th></tr>
 *   <tr><td>{@code loadbalancer.retries}</td><td>counter</td><td>{@code status}</td>
 *       <td>requests sent again to another server after a retryable status</td></tr>
 *   <tr><td>{@code loadbalancer.failovers}</td><td>counter</td><td>{@code outcome}</td>
 *       <td>requests sent to another server after an attempt that got no response</td></tr>
 * </table>
 *
 * <p>Retries and failovers are rare, off the pick path: each looks its counter up in the registry.
 * Events before {@link #bindTo} are not counted.
 *
 * @since 0.1.0
 */
public final class OkHttpRetryMetrics implements RetryListener, MeterBinder {
  static final String RETRIES = "loadbalancer.retries";
  static final String FAILOVERS = "loadbalancer.failovers";

  private final Tags tags;

  // Set once by bindTo; volatile so that the calling threads see the registry once bound.
  private volatile @Nullable MeterRegistry registry;

  /** Metrics with no tags but {@code serviceId} and the event's own. */
  public OkHttpRetryMetrics() {
    this(Tags.empty());
  }

  /** Metrics that also carry these tags (such as the application's zone). */
  public OkHttpRetryMetrics(Iterable<Tag> tags) {
    this.tags = Tags.of(requireNonNull(tags, "tags"));
  }

  /**
   * Starts counting into {@code registry}; binding the same registry again does nothing.
   *
   * @throws IllegalStateException if bound to another registry already (bind a {@code
   *     CompositeMeterRegistry} to report to several)
   */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    MeterRegistry current = this.registry;
    checkState(
        current == null || current == registry,
        "these metrics are bound to %s already; bind a CompositeMeterRegistry to report to several",
        current);
    this.registry = registry;
  }

  /** Counts a retry after a retryable status. */
  @Override
  public void onRetry(LoadBalancer balancer, Server failed, int statusCode) {
    MeterRegistry r = registry;
    if (r != null) {
      Counter.builder(RETRIES)
          .tags(tags)
          .tag("serviceId", balancer.name())
          .tag("status", Integer.toString(statusCode))
          .description("Requests sent again to another server after a retryable status")
          .register(r)
          .increment();
    }
  }

  /** Counts a failover after an attempt without a response. */
  @Override
  public void onFailover(LoadBalancer balancer, Server failed, Outcome outcome) {
    MeterRegistry r = registry;
    if (r != null) {
      Counter.builder(FAILOVERS)
          .tags(tags)
          .tag("serviceId", balancer.name())
          .tag("outcome", outcome.name())
          .description("Requests sent to another server after an attempt that got no response")
          .register(r)
          .increment();
    }
  }

  @Override
  public String toString() {
    return "OkHttpRetryMetrics{" + (registry != null ? "bound" : "not bound") + '}';
  }
}
