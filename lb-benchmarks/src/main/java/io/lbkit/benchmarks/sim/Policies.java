package io.lbkit.benchmarks.sim;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadMetric;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import java.util.Locale;

/**
 * The policies by name: every built-in lbkit selector (the real classes, through {@link
 * Selectors}); the two oracles, {@code jsq_oracle} and {@code clairvoyant_oracle}, which no client
 * can be; and two policies on stale global information for the herd scenario: {@code herd_stale}
 * (least loaded by the servers' last reports, the simulator's own naive rule) and {@code p2c_stale}
 * (lbkit's power of two choices, {@link Selectors#powerOfTwoChoices(LoadMetric)}, over a {@link
 * LoadMetric} that reads those reports). Hash selectors see no hash key here, so they pick at
 * random in proportion to weight. A name may carry health suffixes ({@link PolicySpec}).
 */
public final class Policies {
  private Policies() {}

  static final String STALE_P2C = "p2c_stale";

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
          JoinShortestQueueOracle.NAME,
          ClairvoyantOracle.NAME,
          StaleHerdSelector.NAME,
          STALE_P2C);

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
      case ClairvoyantOracle.NAME:
        return new ClairvoyantOracle(view);
      case StaleHerdSelector.NAME:
        return new StaleHerdSelector(view);
      case STALE_P2C:
        return Selectors.powerOfTwoChoices(reportedQueue(view));
      default:
        throw new IllegalArgumentException(
            "unknown policy '" + name + "'; known: " + String.join(", ", NAMES));
    }
  }

  /** The stale report as a load metric: it reads neither in-flight counts nor latency. */
  private static LoadMetric reportedQueue(QueueView view) {
    return new LoadMetric() {
      @Override
      public double load(Endpoint endpoint, long nowNanos) {
        return view.reportedQueueLength(endpoint.server());
      }

      @Override
      public boolean usesInFlight() {
        return false;
      }

      @Override
      public boolean usesLatency() {
        return false;
      }
    };
  }
}
