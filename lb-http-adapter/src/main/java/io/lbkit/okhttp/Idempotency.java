/*
 * Copyright 2026 The lbkit Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     https://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */
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
