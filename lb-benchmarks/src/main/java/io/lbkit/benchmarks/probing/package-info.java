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
 * The end-to-end probing benchmark: real gRPC servers on loopback reporting their load with
 * lb-server, whose speeds change every few hundred milliseconds, and lbkit's gRPC policies compared
 * on tail latency. Run by {@code ./mvnw -B -q -Pprobing-e2e -pl lb-benchmarks -am -DskipTests
 * package}.
 */
@NullMarked
package io.lbkit.benchmarks.probing;

import org.jspecify.annotations.NullMarked;
