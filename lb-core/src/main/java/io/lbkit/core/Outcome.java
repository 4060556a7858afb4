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
