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
package io.lbkit.core;

import static java.util.Objects.requireNonNull;

/**
 * Thrown by {@link LoadBalancer#pick()} and its variants when no server may receive the request,
 * saying why.
 *
 * <p>This is an outage signal, so it is cheap to throw: it carries no stack trace, and the message
 * and {@link #reason()} tell the cause.
 *
 * @since 0.1.0
 */
public final class NoAvailableServerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why no server was available. */
  public enum Reason {
    /** The balancer has no servers at all. */
    NO_SERVERS,
    /** Every server is {@link HealthState#UNHEALTHY}. */
    ALL_UNHEALTHY,
    /** Every server is {@link HealthState#DRAINING}. */
    ALL_DRAINING,
    /** Every server is either unhealthy or draining (some of each). */
    ALL_UNHEALTHY_OR_DRAINING,
    /**
     * Servers are eligible, but none has the metadata the request requires, and the subset
     * selector's fallback is {@link SubsetFallback#NO_ENDPOINT} (or its default subset is empty).
     */
    NO_MATCHING_SUBSET,
    /**
     * Servers are eligible, but the request's {@link PickContext} excludes every one it may go to
     * (a retry that has tried them all).
     */
    ALL_EXCLUDED
  }

  private final Reason reason;

  NoAvailableServerException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = requireNonNull(reason, "reason");
  }

  /** Why no server was available. */
  public Reason reason() {
    return reason;
  }
}
