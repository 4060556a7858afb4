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

import java.net.Proxy;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.Interceptor;
import org.jspecify.annotations.Nullable;

/**
 * Checks, once per class loader, that the OkHttp on the class path has the API the interceptor
 * needs, so that an application with an older OkHttp fails when it builds the interceptor, with a
 * message naming both versions, rather than with a {@link NoSuchMethodError} on its first call.
 *
 * <p>The interceptor routes each attempt with {@link Interceptor.Chain#withDns}, {@link
 * Interceptor.Chain#withProxy} and {@link Interceptor.Chain#withRetryOnConnectionFailure}, and
 * watches it with {@link Call#addEventListener}; all arrived in OkHttp 5.4.0. OkHttp 4.x has no way
 * for an application interceptor to send one request to a chosen address while keeping its host
 * name for TLS, so it cannot be supported.
 */
final class OkHttpVersion {
  /** The oldest OkHttp release with every method the adapter calls. */
  static final String REQUIRED = "5.4.0";

  /** Null when the API is there; otherwise the message of the failure. */
  private static final @Nullable String PROBLEM = problem();

  private OkHttpVersion() {}

  /**
   * Throws unless the OkHttp on the class path is recent enough.
   *
   * @throws IllegalStateException naming the OkHttp version required and the one found
   */
  static void check() {
    if (PROBLEM != null) {
      throw new IllegalStateException(PROBLEM);
    }
  }

  private static @Nullable String problem() {
    String missing;
    try {
      Interceptor.Chain.class.getMethod("withDns", Dns.class);
      Interceptor.Chain.class.getMethod("getDns");
      Interceptor.Chain.class.getMethod("withProxy", Proxy.class);
      Interceptor.Chain.class.getMethod("withRetryOnConnectionFailure", boolean.class);
      Call.class.getMethod("addEventListener", EventListener.class);
      return null;
    } catch (NoSuchMethodException e) {
      missing = e.getMessage();
    }
    return "OkHttp "
        + REQUIRED
        + " or later is required by lbkit's LoadBalancingInterceptor, found OkHttp "
        + found()
        + " (it lacks "
        + missing
        + "): depend on com.squareup.okhttp3:okhttp (okhttp-jvm for Maven) "
        + REQUIRED
        + " or later";
  }

  /**
   * The version of the OkHttp on the class path. Read reflectively: {@code OkHttp.VERSION} is a
   * compile-time constant, which javac would copy from the OkHttp this class was compiled against.
   */
  static String found() {
    try {
      Object version = Class.forName("okhttp3.OkHttp").getField("VERSION").get(null);
      return String.valueOf(version);
    } catch (ReflectiveOperationException | LinkageError e) {
      return "(unknown version)";
    }
  }
}
