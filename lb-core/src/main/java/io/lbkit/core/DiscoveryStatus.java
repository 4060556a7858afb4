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

import com.google.errorprone.annotations.Immutable;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link DiscoveryBinding} knows of its source: when it last delivered servers, how many,
 * and how it has failed since.
 *
 * @since 0.1.0
 */
@Immutable
@SuppressWarnings(
    "Immutable") // Throwable is not deeply immutable; it is only reported, never changed
public final class DiscoveryStatus {
  private final String source;
  private final @Nullable Instant lastSuccess;
  private final int serverCount;
  private final @Nullable Throwable lastError;
  private final @Nullable Instant lastErrorTime;
  private final int consecutiveFailures;

  DiscoveryStatus(
      String source,
      @Nullable Instant lastSuccess,
      int serverCount,
      @Nullable Throwable lastError,
      @Nullable Instant lastErrorTime,
      int consecutiveFailures) {
    this.source = source;
    this.lastSuccess = lastSuccess;
    this.serverCount = serverCount;
    this.lastError = lastError;
    this.lastErrorTime = lastErrorTime;
    this.consecutiveFailures = consecutiveFailures;
  }

  /** The source's {@linkplain ServerSource#name() name}. */
  public String source() {
    return source;
  }

  /** When the source last delivered a list that the balancer took; empty before the first. */
  public Optional<Instant> lastSuccess() {
    return Optional.ofNullable(lastSuccess);
  }

  /** How many servers the last list taken had; 0 before the first. */
  public int serverCount() {
    return serverCount;
  }

  /** The last failure (a look-up error, an empty answer, a list the balancer refused), if any. */
  public Optional<Throwable> lastError() {
    return Optional.ofNullable(lastError);
  }

  /** When the last failure happened, if any. */
  public Optional<Instant> lastErrorTime() {
    return Optional.ofNullable(lastErrorTime);
  }

  /** Failures since the last success; 0 when the last delivery was taken. */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /** Whether the source has delivered servers and has not failed since. */
  public boolean isHealthy() {
    return lastSuccess != null && consecutiveFailures == 0;
  }

  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder("DiscoveryStatus{")
            .append(source)
            .append(isHealthy() ? ", healthy" : ", unhealthy")
            .append(", servers=")
            .append(serverCount);
    if (lastSuccess != null) {
      sb.append(", lastSuccess=").append(lastSuccess);
    }
    if (consecutiveFailures > 0) {
      sb.append(", consecutiveFailures=").append(consecutiveFailures);
    }
    if (lastError != null) {
      sb.append(", lastError=").append(lastError).append(" at ").append(lastErrorTime);
    }
    return sb.append('}').toString();
  }
}
