package com.netflix.loadbalancer;

/**
 * Same-package access to Ribbon's {@link WeightedResponseTimeRule} weight computation, for the
 * benchmarks only. Ribbon recomputes the weights on a timer (every 30 s, first run at start); the
 * benchmark records response times first and then needs the weights in place before it measures,
 * without waiting for the timer. This runs the timer's task, {@code
 * ServerWeight.maintainWeights()}, once, on the calling thread.
 */
public final class ResponseTimeWeights {
  private ResponseTimeWeights() {}

  /**
   * Computes the rule's weights from its balancer's statistics now.
   *
   * @return the number of weights in place (one per server once computed)
   */
  public static int computeNow(WeightedResponseTimeRule rule) {
    rule.new ServerWeight().maintainWeights();
    return rule.getAccumulatedWeights().size();
  }
}
