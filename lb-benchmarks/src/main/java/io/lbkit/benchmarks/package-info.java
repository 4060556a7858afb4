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
 * JMH benchmarks of lbkit's pick path: {@link io.lbkit.benchmarks.PickBenchmark} (one thread, every
 * selector, full path and selector alone), {@link io.lbkit.benchmarks.ContendedPickBenchmark}
 * (every core picking at once), {@link io.lbkit.benchmarks.RebuildBenchmark} (cost of a membership
 * change), {@link io.lbkit.benchmarks.HashPickBenchmark} (keyed picks), and one class per algorithm
 * family that puts lbkit next to gRPC-java, Armeria, Dubbo, Ribbon and Spring Cloud LoadBalancer in
 * the same run ({@link io.lbkit.benchmarks.RoundRobinPeers} and the other {@code *Peers} classes,
 * on {@link io.lbkit.benchmarks.PeerFamilyBenchmark}).
 *
 * <p>Build with {@code ./mvnw -B package -DskipTests}, then run {@code java -jar
 * lb-benchmarks/target/benchmarks.jar}; {@code jmh-table.py} in this module turns the JSON results
 * into a Markdown table.
 */
@NullMarked
package io.lbkit.benchmarks;

import org.jspecify.annotations.NullMarked;
