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
 * The live demo: {@link io.lbkit.benchmarks.demo.LiveDemo} starts a few real HTTP servers on
 * loopback (a slow one, a flaky one and one that goes down and comes back), sends requests to them
 * through OkHttp and lbkit's interceptor with each algorithm, and prints what each algorithm made
 * of them.
 */
@NullMarked
package io.lbkit.benchmarks.demo;

import org.jspecify.annotations.NullMarked;
