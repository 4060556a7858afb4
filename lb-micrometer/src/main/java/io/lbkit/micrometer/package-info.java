/**
 * Micrometer metrics for lbkit: {@link io.lbkit.micrometer.LoadBalancerMetrics} binds one {@link
 * io.lbkit.core.LoadBalancer}'s requests, health and panic mode to a {@code MeterRegistry} under
 * Spring Cloud LoadBalancer's names ({@code loadbalancer.requests.*}), and {@link
 * io.lbkit.micrometer.OkHttpRetryMetrics} counts the OkHttp adapter's retries and failovers.
 *
 * <p>Nothing in this package accepts or returns null unless marked {@code @Nullable}.
 */
@NullMarked
package io.lbkit.micrometer;

import org.jspecify.annotations.NullMarked;
