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
