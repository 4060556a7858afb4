/**
 * JMH benchmarks of lbkit's pick path: {@link io.lbkit.benchmarks.PickBenchmark} (one thread, every
 * selector, full path and selector alone), {@link io.lbkit.benchmarks.ContendedPickBenchmark}
 * (every core picking at once), {@link io.lbkit.benchmarks.RebuildBenchmark} (cost of a membership
 * change) and {@link io.lbkit.benchmarks.PeerPickBenchmark} (lbkit next to Armeria's load
 * balancers).
 *
 * <p>Build with {@code ./mvnw -B package -DskipTests}, then run {@code java -jar
 * lb-benchmarks/target/benchmarks.jar}; {@code jmh-table.py} in this module turns the JSON results
 * into a Markdown table.
 */
@NullMarked
package io.lbkit.benchmarks;

import org.jspecify.annotations.NullMarked;
