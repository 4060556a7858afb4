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

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.Immutable;
import org.jspecify.annotations.Nullable;

/**
 * A request tag that overrides the balancer's choice for one request, by {@linkplain
 * io.lbkit.core.Server#id() server id}.
 *
 * <ul>
 *   <li>{@link #pin(String)}: send to that server only, whatever its health, with no failover (for
 *       debugging a server or reproducing a problem on it). A pin to an id the service does not
 *       have fails the call with a {@link LoadBalancingException}.
 *   <li>{@link #prefer(String)}: send to that server first if it is eligible (healthy, not ejected
 *       or draining), and fail over to the others as usual; an unknown or ineligible id is ignored.
 * </ul>
 *
 * <pre>{@code
 * Request request = new Request.Builder()
 *     .url("http://inventory/items")
 *     .tag(ServerHint.class, ServerHint.pin("inventory-3"))
 *     .build();
 * }</pre>
 *
 * @since 0.1.0
 */
@Immutable
public final class ServerHint {
  private final String serverId;
  private final boolean pinned;

  private ServerHint(String serverId, boolean pinned) {
    requireNonNull(serverId, "serverId");
    checkArgument(!serverId.isBlank(), "server id must not be blank");
    this.serverId = serverId;
    this.pinned = pinned;
  }

  /** Sends the request to this server only, with no failover. */
  public static ServerHint pin(String serverId) {
    return new ServerHint(serverId, true);
  }

  /** Sends the request to this server first if it is eligible. */
  public static ServerHint prefer(String serverId) {
    return new ServerHint(serverId, false);
  }

  /** The server id. */
  public String serverId() {
    return serverId;
  }

  /** Whether this is a {@link #pin(String)} (rather than a {@link #prefer(String)}). */
  public boolean isPinned() {
    return pinned;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ServerHint h && h.serverId.equals(serverId) && h.pinned == pinned;
  }

  @Override
  public int hashCode() {
    return serverId.hashCode() * 31 + Boolean.hashCode(pinned);
  }

  @Override
  public String toString() {
    return (pinned ? "pin(" : "prefer(") + serverId + ")";
  }
}
