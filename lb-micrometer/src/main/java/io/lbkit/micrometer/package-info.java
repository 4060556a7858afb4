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
