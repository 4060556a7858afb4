package io.lbkit.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code System.nanoTime()}: the clock read that the system ticker makes, measured in the same
 * run as the peer benchmarks so that a full path can be compared with the clock reads it cannot
 * avoid (least response time takes two per request: at the pick and at the report). Run it with the
 * peers, for example {@code 'LatencyAwarePeers\.pick$|ClockBenchmark'}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class ClockBenchmark {

  /** One read of the monotonic clock. */
  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }
}
