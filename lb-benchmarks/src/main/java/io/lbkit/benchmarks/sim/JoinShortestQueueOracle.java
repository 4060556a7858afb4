package io.lbkit.benchmarks.sim;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Endpoint;
import io.lbkit.core.Selector;

/**
 * The join-shortest-queue oracle: sends each request to the server with the fewest requests in the
 * system, counted over all clients by the simulator itself, ties broken at random. It is an upper
 * bound that no client-side balancer can reach (it needs global, instant knowledge), not a copy of
 * an lbkit algorithm.
 */
final class JoinShortestQueueOracle implements Selector {
  static final String NAME = "jsq_oracle";

  private final QueueView view;

  JoinShortestQueueOracle(QueueView view) {
    this.view = view;
  }

  @Override
  public Picker newPicker(ImmutableList<Endpoint> endpoints) {
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    return now -> {
      Endpoint best = array[0];
      int bestLength = Integer.MAX_VALUE;
      int ties = 0;
      for (Endpoint e : array) {
        int length = view.queueLength(e.server());
        if (length < bestLength) {
          best = e;
          bestLength = length;
          ties = 1;
        } else if (length == bestLength && view.nextInt(++ties) == 0) {
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
