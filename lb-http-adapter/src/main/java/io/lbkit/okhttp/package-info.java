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
