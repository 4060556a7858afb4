package io.lbkit.core;

import static java.util.Objects.requireNonNull;

/**
 * The built-in load-balancing algorithms. Each call returns a new {@link Selector}; give each
 * {@link LoadBalancer} its own.
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancer.builder()
 *     .selector(Selectors.weightedRoundRobin())
 *     .servers(Server.of("a", 80), Server.builder("b", 80).weight(3).build())
 *     .build();
 * }</pre>
 *
 * <table>
 *   <caption>Which algorithm when</caption>
 *   <tr><th>Selector</th><th>Use when</th><th>Pick cost</th></tr>
 *   <tr><td>{@link #roundRobin()}</td><td>identical servers, uniform requests</td><td>O(1)</td></tr>
 *   <tr><td>{@link #weightedRoundRobin()}</td><td>servers of known, different capacity</td>
 *       <td>O(1) expected, O(log n) worst</td></tr>
 *   <tr><td>{@link #random()} / {@link #weightedRandom()}</td><td>many independent clients, no
 *       coordination wanted</td><td>O(1)</td></tr>
 *   <tr><td>{@link #leastConnections()} / {@link #weightedLeastConnections()}</td><td>requests of
 *       very different cost, small lists</td><td>O(n)</td></tr>
 *   <tr><td>{@link #powerOfTwoChoices()}</td><td>like least connections, at any size</td>
 *       <td>O(1)</td></tr>
 *   <tr><td>{@link #leastResponseTime()}</td><td>servers whose speed changes (GC, noisy
 *       neighbours); the best default</td><td>O(1)</td></tr>
 * </table>
 *
 * @since 0.1.0
 */
public final class Selectors {
  private Selectors() {}

  /**
   * Round robin: cycles through the eligible servers in order, exactly, starting at a random
   * position (so that many clients do not all start on the first server). Weights are ignored.
   */
  public static Selector roundRobin() {
    return new RoundRobinSelector();
  }

  /**
   * Smooth weighted round robin: over any window of W consecutive picks, where W is the sum of the
   * (integer) weights, each server gets exactly its weight's share, and the picks of each server
   * are spread evenly through the window rather than sent in bursts. Non-integer weights are scaled
   * to integers with a resolution of one part in 2^20 of the total. See {@link
   * WeightedRoundRobinSelector} for the construction.
   */
  public static Selector weightedRoundRobin() {
    return new WeightedRoundRobinSelector();
  }

  /** Uniform random choice. Weights are ignored. */
  public static Selector random() {
    return new RandomSelector();
  }

  /** Random choice in proportion to weight (Vose's alias method: O(1) per pick). */
  public static Selector weightedRandom() {
    return new WeightedRandomSelector();
  }

  /**
   * The server with the fewest in-flight requests, scanning all (O(n)); ties are broken uniformly
   * at random. For large lists prefer {@link #powerOfTwoChoices()}.
   */
  public static Selector leastConnections() {
    return new LeastLoadedSelector("least_connections", LoadMetric.inFlight());
  }

  /**
   * The server with the least (in-flight + 1) / weight, scanning all (O(n)); ties are broken
   * uniformly at random.
   */
  public static Selector weightedLeastConnections() {
    return new LeastLoadedSelector("weighted_least_connections", LoadMetric.weightedInFlight());
  }

  /**
   * Power of two choices over {@link LoadMetric#weightedInFlight()}: samples two distinct servers
   * at random and picks the less loaded (Mitzenmacher). O(1) at any size, and its load spread is
   * exponentially better than random.
   */
  public static Selector powerOfTwoChoices() {
    return powerOfTwoChoices(LoadMetric.weightedInFlight());
  }

  /** Power of two choices over the given load metric. */
  public static Selector powerOfTwoChoices(LoadMetric metric) {
    return new PowerOfTwoChoicesSelector("power_of_two_choices", requireNonNull(metric, "metric"));
  }

  /**
   * Least response time: power of two choices over peak EWMA ({@link LoadMetric#peakEwma()}), the
   * latency-aware balancer of Finagle and Linkerd. A latency sample above the estimate raises it at
   * once; lower ones decay it over the balancer's decay time (10 s by default); an idle server's
   * estimate decays towards zero so it is re-probed; a failure counts as a slow response (at least
   * twice the estimate), so a server that fails fast does not attract traffic.
   */
  public static Selector leastResponseTime() {
    return new PowerOfTwoChoicesSelector("least_response_time", LoadMetric.peakEwma());
  }
}
