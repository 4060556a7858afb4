package io.lbkit.benchmarks.sim;

import io.lbkit.core.Server;

/**
 * What the simulator's own policies may see of the simulation. The oracles see the true, current
 * state of every server, which no real client has; the stale-information policies see only what the
 * servers last reported.
 */
interface QueueView {
  /** Requests at the server (waiting plus in service), from all clients, now. */
  int queueLength(Server server);

  /**
   * The server's true mean service time now: the scenario's mean times the server's current
   * slowdown (slow periods and fluctuations), plus what remains of a freeze it is in.
   */
  double trueServiceNanos(Server server);

  /** The probability that the server answers a request arriving now with an error. */
  double errorFraction(Server server);

  /** The queue length the server last reported (refreshed every report interval). */
  int reportedQueueLength(Server server);

  /**
   * The queue length that the server sent back with its last response to this client (0 before the
   * first): load feedback piggybacked on responses, which a real client can have.
   */
  int feedbackQueueLength(int client, Server server);

  /** A seeded random integer in [0, bound), for tie-breaking. */
  int nextInt(int bound);
}
