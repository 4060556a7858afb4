package io.lbkit.core;

/**
 * How a request sent to a picked server ended, as reported to its {@link Pick}.
 *
 * <p>Adaptive selectors learn latency from {@link #SUCCESS} and from the failures; {@link
 * #CANCELLED} records nothing but releases the server's in-flight slot.
 *
 * @since 0.1.0
 */
public enum Outcome {
  /** The server answered and the answer counts as a success. */
  SUCCESS,
  /** The server answered with an error (for example an HTTP 5xx or a gRPC UNAVAILABLE). */
  FAILURE,
  /**
   * The server could not be reached: connection refused or reset before a response, TLS failure,
   * DNS failure. Counts as a failure, and outlier detection may treat it as a gateway failure.
   */
  CONNECT_FAILURE,
  /** No answer arrived before the caller's deadline. Counts as a failure. */
  TIMEOUT,
  /**
   * The caller gave up for its own reasons (cancellation, a local error before sending); says
   * nothing about the server. No latency sample and no failure are recorded.
   */
  CANCELLED;

  /** Whether this outcome counts against the server. */
  public boolean isFailure() {
    return this == FAILURE || this == CONNECT_FAILURE || this == TIMEOUT;
  }
}
