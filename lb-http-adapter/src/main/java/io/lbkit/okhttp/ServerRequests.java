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

import io.lbkit.core.Server;
import java.util.Locale;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;

/**
 * The addressing of requests that the adapter sends to one chosen server on its own (health checks,
 * probes): the server's address, or a logical host name that a {@link ServerDns} routes to it.
 */
final class ServerRequests {
  private ServerRequests() {}

  /**
   * Checks that {@code logicalHost} is a bare host name and returns it in canonical (lower) case.
   *
   * @throws IllegalArgumentException naming the value if it is not
   */
  static String logicalHost(String logicalHost) {
    requireNonNull(logicalHost, "logicalHost");
    HttpUrl url = HttpUrl.parse("http://" + logicalHost + "/");
    checkArgument(
        url != null && url.host().equals(logicalHost.toLowerCase(Locale.ROOT)),
        "logical host must be a bare host name such as 'inventory' but was '%s'",
        logicalHost);
    return url.host();
  }

  /** The URL of {@code path} on {@code server}, addressed to the logical host if there is one. */
  static HttpUrl url(String scheme, @Nullable String logicalHost, Server server, String path) {
    return new HttpUrl.Builder()
        .scheme(scheme)
        .host(logicalHost != null ? logicalHost : server.host())
        .port(server.port())
        .encodedPath(path)
        .build();
  }
}
