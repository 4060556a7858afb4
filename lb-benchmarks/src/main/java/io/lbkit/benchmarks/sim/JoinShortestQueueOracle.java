package io.lbkit.benchmarks.sim;

import io.lbkit.core.Server;

/**
 * The join-shortest-queue oracle: sends each request to the server with the fewest requests in the
 * system, counted over all clients by the simulator itself, ties broken at random. It is an upper
 * bound that no client-side balancer can reach (it needs global, instant knowledge), not a copy of
 * an lbkit algorithm.
 */
final class JoinShortestQueueOracle extends GlobalViewSelector {
  static final String NAME = "jsq_oracle";

  JoinShortestQueueOracle(QueueView view) {
    super(NAME, view);
  }

  @Override
  double cost(Server server) {
    return view.queueLength(server);
  }
}
