package io.lbkit.benchmarks.sim;

import io.lbkit.core.Server;

/**
 * What an oracle policy may see of the simulation: the true state of every server, which no real
 * client has.
 */
interface QueueView {
  /** Requests at the server (waiting plus in service), from all clients. */
  int queueLength(Server server);

  /** A seeded random integer in [0, bound), for tie-breaking. */
  int nextInt(int bound);
}
