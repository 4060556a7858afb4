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
package io.lbkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The Servlet API is an optional dependency: an HTTP-only service, without it on its class path,
 * still reports its load with the JDK {@code HttpServer} filter. This module's classes are loaded
 * here by a class loader that sees only them and the JDK.
 */
class WithoutServletApiTest {
  @Test
  void theHttpServerFilterWorksWithoutTheServletApi() throws Exception {
    URL classes = LoadReportingFilter.class.getProtectionDomain().getCodeSource().getLocation();
    try (URLClassLoader app =
        new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
      assertThatThrownBy(() -> Class.forName("jakarta.servlet.Filter", false, app))
          .isInstanceOf(ClassNotFoundException.class);
      Class<?> recorderClass = Class.forName(LoadRecorder.class.getName(), true, app);
      Object recorder = recorderClass.getMethod("create").invoke(null);
      Filter filter =
          (Filter)
              Class.forName(LoadReportingFilter.class.getName(), true, app)
                  .getMethod("create", recorderClass)
                  .invoke(null, recorder);
      assertThat(filter.getClass().getClassLoader()).isSameAs(app);

      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server
          .createContext(
              "/",
              exchange -> {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
              })
          .getFilters()
          .add(filter);
      server.start();
      try {
        LoadClient client = new LoadClient("http://127.0.0.1:" + server.getAddress().getPort());
        HttpResponse<String> response = client.get("/work");
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(LoadClient.header(response).requestsInFlight()).hasValue(1);
        assertThat(client.probe().requestsInFlight()).hasValue(0);
      } finally {
        server.stop(0);
      }
    }
  }
}
