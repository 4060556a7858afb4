package io.lbkit.benchmarks;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.common.loadbalancer.LoadBalancer;
import com.linecorp.armeria.common.loadbalancer.SimpleLoadBalancer;
import io.lbkit.core.Selector;
import io.lbkit.core.Server;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * lbkit's selectors next to Armeria's {@code com.linecorp.armeria.common.loadbalancer} balancers,
 * in one run, over the same servers and weights (1 to 10) at 3, 100 and 10,000 servers.
 *
 * <p>This is the Armeria-only comparison. The per-family benchmarks ({@link RoundRobinPeers},
 * {@link WeightedRoundRobinPeers}, {@link RandomPeers}, {@link WeightedRandomPeers}, {@link
 * LeastLoadedPeers}, {@link LatencyAwarePeers}, {@link ConsistentHashPeers}; see {@link
 * PeerFamilyBenchmark}) put Armeria, gRPC-java, Dubbo, Ribbon and Spring Cloud LoadBalancer in the
 * same run, with lbkit's full path and an all-cores variant as well.
 *
 * <p>Both sides are measured as the algorithm alone, which is what Armeria's {@code
 * SimpleLoadBalancer.pick()} is: a choice from a fixed candidate list, with no request handle and
 * no statistics. The lbkit side is {@code picker.pick(0)} on a picker built through the public
 * {@link Selector#newPicker} (these three selectors read neither the clock nor any statistics). The
 * cost of lbkit's full path, handle included, is {@link PickBenchmark#pickAndComplete()}.
 *
 * <ul>
 *   <li>{@code round_robin}: {@code LoadBalancer.ofRoundRobin(endpoints)} against {@code
 *       Selectors.roundRobin()}.
 *   <li>{@code weighted_round_robin}: {@code LoadBalancer.ofWeightedRoundRobin(endpoints,
 *       Endpoint::weight)} against {@code Selectors.weightedRoundRobin()}.
 *   <li>{@code weighted_random}: {@code LoadBalancer.ofWeightedRandom(endpoints, Endpoint::weight)}
 *       against {@code Selectors.weightedRandom()}.
 * </ul>
 *
 * <p>Run (with the jar built as described in {@link PickBenchmark}):
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar PeerPickBenchmark -prof gc -rf json -rff peers.json
 * </pre>
 *
 * <p>Quick variant: add {@code -f 1 -wi 2 -w 1s -i 3 -r 1s}. {@code python3
 * lb-benchmarks/jmh-table.py peers.json} prints the table.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
@SuppressWarnings("NullAway.Init") // JMH initializes the fields in @Setup before any benchmark call
public class PeerPickBenchmark {

  /** Whose implementation: {@code lbkit} or {@code armeria}. */
  @Param({"lbkit", "armeria"})
  public String impl;

  /** The algorithm, by lbkit's selector name. */
  @Param({"round_robin", "weighted_round_robin", "weighted_random"})
  public String algorithm;

  /** The number of servers, with weights cycling through 1..10. */
  @Param({"3", "100", "10000"})
  public int servers;

  // One implementation per fork, so this call site stays monomorphic and is inlined.
  private Supplier<Object> pick;
  private Runnable close;

  /** Builds the chosen implementation over the same servers and weights. */
  @Setup
  public void setUp() {
    close = () -> {};
    switch (impl) {
      case "lbkit" -> {
        io.lbkit.core.LoadBalancer balancer = Fixtures.balancer(algorithm, servers);
        Selector.Picker picker = balancer.selector().newPicker(balancer.eligibleEndpoints());
        pick = () -> picker.pick(0);
      }
      case "armeria" -> {
        SimpleLoadBalancer<Endpoint> lb = armeria(algorithm, armeriaEndpoints(servers));
        pick = lb::pick;
        close = lb::close;
      }
      default -> throw new IllegalArgumentException("unknown impl '" + impl + "'");
    }
  }

  /** Releases the Armeria balancer. */
  @TearDown
  public void tearDown() {
    close.run();
  }

  /** One pick. */
  @Benchmark
  public Object pick() {
    return pick.get();
  }

  private static SimpleLoadBalancer<Endpoint> armeria(String algorithm, List<Endpoint> endpoints) {
    return switch (algorithm) {
      case "round_robin" -> LoadBalancer.ofRoundRobin(endpoints);
      case "weighted_round_robin" -> LoadBalancer.ofWeightedRoundRobin(endpoints, Endpoint::weight);
      case "weighted_random" -> LoadBalancer.ofWeightedRandom(endpoints, Endpoint::weight);
      default -> throw new IllegalArgumentException("unknown algorithm '" + algorithm + "'");
    };
  }

  /** The servers of {@link Fixtures#servers(int)} as Armeria endpoints, with the same weights. */
  private static List<Endpoint> armeriaEndpoints(int n) {
    List<Endpoint> out = new ArrayList<>(n);
    for (Server s : Fixtures.servers(n)) {
      out.add(Endpoint.of(s.host(), s.port()).withWeight((int) s.weight()));
    }
    return out;
  }
}
