package io.lbkit.core;

/**
 * The health of one server in a {@link LoadBalancer}, as the application (and, later, health
 * checks) set it. Only {@link #HEALTHY} servers are picked.
 *
 * <pre>{@code
 * balancer.setHealth("10.0.0.7:8080", HealthState.UNHEALTHY); // no new picks go there
 * balancer.setHealth("10.0.0.7:8080", HealthState.HEALTHY);   // back in rotation
 * }</pre>
 *
 * @since 0.1.0
 */
public enum HealthState {
  /** Eligible for new picks. */
  HEALTHY,
  /** Not eligible: the server is known to be failing. */
  UNHEALTHY,
  /**
   * Not eligible for new picks; requests already sent to it complete normally. Used before a server
   * is removed.
   */
  DRAINING;

  /** Whether a server in this state may receive new picks. */
  public boolean isEligible() {
    return this == HEALTHY;
  }
}
