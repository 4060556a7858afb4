package io.lbkit.benchmarks.sim;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import java.util.Locale;

/**
 * The policies by name: every built-in lbkit selector (the real classes, through {@link
 * Selectors}), and the {@code jsq_oracle} upper bound. Hash selectors see no hash key here, so they
 * pick at random in proportion to weight.
 */
public final class Policies {
  private Policies() {}

  /** Every policy name, in table order. */
  public static final ImmutableList<String> NAMES =
      ImmutableList.of(
          "round_robin",
          "weighted_round_robin",
          "random",
          "weighted_random",
          "least_connections",
          "weighted_least_connections",
          "power_of_two_choices",
          "least_response_time",
          "ring_hash",
          "maglev",
          "bounded_load_hash",
          JoinShortestQueueOracle.NAME);

  /**
   * A fresh selector for one balancer.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  static Selector create(String name, QueueView view) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "round_robin":
        return Selectors.roundRobin();
      case "weighted_round_robin":
        return Selectors.weightedRoundRobin();
      case "random":
        return Selectors.random();
      case "weighted_random":
        return Selectors.weightedRandom();
      case "least_connections":
        return Selectors.leastConnections();
      case "weighted_least_connections":
        return Selectors.weightedLeastConnections();
      case "power_of_two_choices":
        return Selectors.powerOfTwoChoices();
      case "least_response_time":
        return Selectors.leastResponseTime();
      case "ring_hash":
        return Selectors.ringHash();
      case "maglev":
        return Selectors.maglev();
      case "bounded_load_hash":
        return Selectors.boundedLoadHash(0.25);
      case JoinShortestQueueOracle.NAME:
        return new JoinShortestQueueOracle(view);
      default:
        throw new IllegalArgumentException(
            "unknown policy '" + name + "'; known: " + String.join(", ", NAMES));
    }
  }
}
