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

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import io.lbkit.core.Outcome;
import io.lbkit.core.Server;
import java.io.IOException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Thrown to the caller of a load-balanced call that got no response: every attempt failed, or no
 * server could be tried. The message names the logical service, each server tried with how it
 * failed, and why no further attempt was made, for example:
 *
 * <pre>
 * inventory: 2 attempts failed (no retry: retry budget exhausted):
 *   #1 10.0.0.1:8080 CONNECT_FAILURE ConnectException: Failed to connect to inventory/10.0.0.1:8080;
 *   #2 10.0.0.2:8080 TIMEOUT SocketTimeoutException: timeout
 * </pre>
 *
 * <p>The cause is the last attempt's exception, or the balancer's {@link
 * io.lbkit.core.NoAvailableServerException} when no server was available at all.
 *
 * @since 0.1.0
 */
public final class LoadBalancingException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * One failed attempt: the server, the outcome reported to the balancer, and the failure.
   *
   * @param server the server the attempt went to
   * @param outcome the outcome reported for it
   * @param failure what went wrong, such as {@code "ConnectException: Connection refused"} or
   *     {@code "HTTP 503"}
   */
  public record Attempt(Server server, Outcome outcome, String failure) {
    /** Validates the fields. */
    public Attempt {
      requireNonNull(server, "server");
      requireNonNull(outcome, "outcome");
      requireNonNull(failure, "failure");
    }

    @Override
    public String toString() {
      return server.id() + " " + outcome + " " + failure;
    }
  }

  private final String service;

  @SuppressWarnings("serial") // an ImmutableList of records; not meant to be serialized
  private final ImmutableList<Attempt> attempts;

  LoadBalancingException(
      String service, List<Attempt> attempts, String stopReason, @Nullable Throwable cause) {
    super(message(service, attempts, stopReason), cause);
    this.service = service;
    this.attempts = ImmutableList.copyOf(attempts);
  }

  private static String message(String service, List<Attempt> attempts, String stopReason) {
    StringBuilder sb = new StringBuilder(service).append(": ");
    if (attempts.isEmpty()) {
      return sb.append(stopReason).toString();
    }
    sb.append(attempts.size())
        .append(attempts.size() == 1 ? " attempt failed" : " attempts failed")
        .append(" (no retry: ")
        .append(stopReason)
        .append("):");
    for (int i = 0; i < attempts.size(); i++) {
      sb.append(i == 0 ? "" : ";")
          .append("\n  #")
          .append(i + 1)
          .append(' ')
          .append(attempts.get(i));
    }
    return sb.toString();
  }

  /** The logical host name of the service that was called. */
  public String service() {
    return service;
  }

  /** The failed attempts in order; empty if no server could be tried at all. */
  public ImmutableList<Attempt> attempts() {
    return attempts;
  }
}
