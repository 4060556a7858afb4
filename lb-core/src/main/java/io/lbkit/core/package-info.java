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
 * lbkit's core: {@link io.lbkit.core.Server}, {@link io.lbkit.core.LoadBalancer}, the {@link
 * io.lbkit.core.Selector} algorithms from {@link io.lbkit.core.Selectors}, and the {@link
 * io.lbkit.core.Pick} handle that reports each request's outcome.
 *
 * <p>Nothing in this package accepts or returns null unless marked {@code @Nullable}.
 */
@NullMarked
package io.lbkit.core;

import org.jspecify.annotations.NullMarked;
