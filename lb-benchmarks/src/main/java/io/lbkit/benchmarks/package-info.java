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
