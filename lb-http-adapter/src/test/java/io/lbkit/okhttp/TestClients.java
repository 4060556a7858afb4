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

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/** OkHttp clients for the tests: a fresh pool each, generous concurrency, short timeouts. */
final class TestClients {
  private TestClients() {}

  static OkHttpClient.Builder builder(LoadBalancingInterceptor interceptor) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(128);
    dispatcher.setMaxRequestsPerHost(128);
    return new OkHttpClient.Builder()
        .addInterceptor(interceptor)
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(32, 1, TimeUnit.MINUTES))
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(5))
        .callTimeout(Duration.ofSeconds(8));
  }

  static void shutdown(OkHttpClient client) {
    client.dispatcher().executorService().shutdownNow();
    client.connectionPool().evictAll();
  }
}
