/**
 * Client-side load balancing for OkHttp: {@link io.lbkit.okhttp.LoadBalancingInterceptor} sends
 * requests for a logical host name (such as {@code http://inventory/items}) to the servers of an
 * lbkit {@link io.lbkit.core.LoadBalancer}, with failover, a retry budget and outcome reporting;
 * {@link io.lbkit.okhttp.OkHttpHealthChecker} runs active health checks over the same client.
 *
 * <p>Nothing in this package accepts or returns null unless marked {@code @Nullable}.
 */
@NullMarked
package io.lbkit.okhttp;

import org.jspecify.annotations.NullMarked;
