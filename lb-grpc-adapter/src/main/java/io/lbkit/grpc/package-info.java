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
 * lbkit for gRPC-Java: load-balancing policies selected by name ({@link
 * io.lbkit.grpc.LbkitPolicies}), a {@code lbkit:} name resolver for weighted address lists, host
 * names and SRV records (kept current by lb-core's DNS discovery), and a {@code grpc.health.v1}
 * health checker.
 *
 * <p>The policies register themselves through {@code META-INF/services}: adding this module to the
 * class path is enough, no code is needed beyond choosing a policy name in the channel's service
 * config. Nothing in this package accepts or returns null unless marked {@code @Nullable}.
 */
@NullMarked
package io.lbkit.grpc;

import org.jspecify.annotations.NullMarked;
