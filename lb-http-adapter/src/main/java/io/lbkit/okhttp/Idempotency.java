package io.lbkit.okhttp;

/**
 * A request tag that overrides whether {@link LoadBalancingInterceptor} may resend a request after
 * it may have reached a server. Without the tag, GET, HEAD, OPTIONS, PUT and DELETE are idempotent
 * and every other method is not.
 *
 * <pre>{@code
 * Request request = new Request.Builder()
 *     .url("http://inventory/reservations")
 *     .post(body)
 *     .header("Idempotency-Key", key) // the server deduplicates, so a resend is safe
 *     .tag(Idempotency.class, Idempotency.IDEMPOTENT)
 *     .build();
 * }</pre>
 *
 * <p>Whatever the tag says, a request that failed before it was written (a refused connection, a
 * failed TLS handshake) may go to another server, since no server saw it.
 *
 * @since 0.1.0
 */
public enum Idempotency {
  /** The request may be sent again to another server after a failure or a retryable status. */
  IDEMPOTENT,
  /** The request is sent at most once to a server that may have received it. */
  NOT_IDEMPOTENT
}
