package io.lbkit.benchmarks.sim;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Endpoint;
import io.lbkit.core.Selector;

/**
 * A naive global policy for the herd scenario: sends each request to the server with the shortest
 * queue as the servers last reported it (ties at random). Every client sees the same report, so
 * between two reports they all send to the same few servers: the thundering herd that makes
 * least-loaded-by-shared-information worse than random. Not an lbkit algorithm; it stands for what
 * a client should not do with stale global load information.
 */
final class StaleHerdSelector implements Selector {
  static final String NAME = "herd_stale";

  private final QueueView view;

  StaleHerdSelector(QueueView view) {
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
        int length = view.reportedQueueLength(e.server());
        if (length < bestLength) {
          best = e;
          bestLength = length;
          ties = 1;
        } else if (length == bestLength && view.nextInt(++ties) == 0) {
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
