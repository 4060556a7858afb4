package io.lbkit.benchmarks;

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Server;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one membership change: {@code balancer.updateServer(server.withWeight(w))}, which
 * copies the membership, builds a new snapshot of endpoints and a new picker (the weight table or
 * schedule of the weighted selectors) and publishes it with one compare-and-set. Every change of
 * servers, weights or health pays the same O(n) rebuild, so this is what a service-discovery update
 * costs per change, at 10 and 10,000 servers.
 *
 * <p>Each call moves the middle server between two weights, so every call is a real change.
 *
 * <p>Run (with the jar built as described in {@link PickBenchmark}):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar RebuildBenchmark -prof gc \
 *     -rf json -rff rebuild.json
 * </pre>
 *
 * <p>Quick variant: add {@code -f 1 -wi 2 -w 1s -i 3 -r 1s}. {@code python3
 * lb-benchmarks/jmh-table.py rebuild.json} prints the table; here {@code B/op} is the garbage one
 * rebuild leaves, which is expected to grow with n.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup before any benchmark call
public class RebuildBenchmark {

  /** The selector, by its name. */
  @Param({"round_robin", "weighted_round_robin", "weighted_random"})
  public String selector;

  /** The number of servers. */
  @Param({"10", "10000"})
  public int servers;

  private LoadBalancer balancer;
  private Server[] variants;
  private int next;

  /** Builds the balancer and the two weights of the server that every call changes. */
  @Setup
  public void setUp() {
    balancer = Fixtures.balancer(selector, servers);
    List<Server> list = Fixtures.servers(servers);
    Server middle = list.get(servers / 2);
    variants = new Server[] {middle.withWeight(7), middle.withWeight(3)};
  }

  /** One weight change: snapshot and picker rebuild, then publication. */
  @Benchmark
  public LoadBalancer updateServer() {
    int i = next;
    next = i ^ 1;
    balancer.updateServer(variants[i]);
    return balancer;
  }
}
