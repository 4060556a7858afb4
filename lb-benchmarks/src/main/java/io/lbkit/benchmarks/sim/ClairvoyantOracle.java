package io.lbkit.benchmarks.sim;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Endpoint;
import io.lbkit.core.Selector;

/**
 * The clairvoyant oracle of the C3 paper: sends each request to the server with the least {@code
 * (queue + 1) x true service time}, where the queue counts every client's requests at the server
 * and the service time is the server's true current mean (its slowdown included, and what remains
 * of a freeze added), ties broken at random. A server that is answering with errors is used only
 * when every server is (least error fraction first). It needs global, instant knowledge of the
 * servers' state and speed, so it is a bound that no client can reach, not an lbkit algorithm.
 */
final class ClairvoyantOracle implements Selector {
  static final String NAME = "clairvoyant_oracle";

  private final QueueView view;

  ClairvoyantOracle(QueueView view) {
    this.view = view;
  }

  @Override
  public Picker newPicker(ImmutableList<Endpoint> endpoints) {
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    return now -> {
      Endpoint best = array[0];
      double bestErrors = Double.MAX_VALUE;
      double bestCost = Double.MAX_VALUE;
      int ties = 0;
      for (Endpoint e : array) {
        double errors = view.errorFraction(e.server());
        double cost = (view.queueLength(e.server()) + 1) * view.trueServiceNanos(e.server());
        int c =
            errors != bestErrors
                ? Double.compare(errors, bestErrors)
                : Double.compare(cost, bestCost);
        if (c < 0) {
          best = e;
          bestErrors = errors;
          bestCost = cost;
          ties = 1;
        } else if (c == 0 && view.nextInt(++ties) == 0) {
          // Reservoir sampling: each of the tied servers ends up chosen with probability 1/ties.
          best = e;
        }
      }
      return best;
    };
  }

  @Override
  public boolean usesInFlight() {
    return false;
  }

  @Override
  public boolean usesLatency() {
    return false;
  }

  @Override
  public String name() {
    return NAME;
  }
}
