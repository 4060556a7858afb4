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

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The embedded Servlet 6 containers the Servlet filter is tested in, on loopback: one servlet at
 * {@code /*} and one filter in front of it for every dispatcher type, both asynchronous-capable.
 */
enum ServletContainer {
  JETTY {
    @Override
    Running start(Path dir, String contextPath, HttpServlet servlet, Filter filter)
        throws Exception {
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler(contextPath);
      ServletHolder holder = new ServletHolder(servlet);
      holder.setAsyncSupported(true);
      context.addServlet(holder, "/*");
      FilterHolder filterHolder = new FilterHolder(filter);
      filterHolder.setAsyncSupported(true);
      context.addFilter(filterHolder, "/*", EnumSet.allOf(DispatcherType.class));
      server.setHandler(context);
      server.start();
      return new Running(base(connector.getLocalPort(), contextPath), server::stop);
    }
  },

  TOMCAT {
    @Override
    Running start(Path dir, String contextPath, HttpServlet servlet, Filter filter)
        throws Exception {
      TOMCAT_LOG.setLevel(Level.WARNING);
      // Its leak checks, at undeploy, warn of the JVM flags they lack and of the test's own pool.
      TOMCAT_LEAK_CHECKS_LOG.setLevel(Level.SEVERE);
      Tomcat tomcat = new Tomcat();
      tomcat.setBaseDir(dir.toString());
      Connector connector = new Connector();
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      tomcat.setConnector(connector);
      Context context =
          tomcat.addContext(contextPath.equals("/") ? "" : contextPath, dir.toString());
      Wrapper wrapper = Tomcat.addServlet(context, "app", servlet);
      // Tomcat logs a servlet's exception at SEVERE with its stack trace; a test's deliberate one
      // is left out, so that the build's output shows only the unexpected.
      Logger servletLog = Logger.getLogger(wrapper.getLogName());
      servletLog.setFilter(r -> !(r.getThrown() instanceof DeliberateFailure));
      FILTERED_LOGS.add(servletLog);
      wrapper.setAsyncSupported(true);
      context.addServletMappingDecoded("/*", "app");
      FilterDef def = new FilterDef();
      def.setFilterName("lbkit");
      def.setFilter(filter);
      def.setAsyncSupported("true");
      context.addFilterDef(def);
      FilterMap map = new FilterMap();
      map.setFilterName("lbkit");
      map.addURLPattern("/*");
      for (DispatcherType type : DispatcherType.values()) {
        map.setDispatcher(type.name());
      }
      context.addFilterMap(map);
      tomcat.start();
      return new Running(
          base(connector.getLocalPort(), contextPath),
          () -> {
            tomcat.stop();
            tomcat.destroy();
          });
    }
  };

  // Held, so that the levels set on them stay: Tomcat logs every start and stop at INFO.
  private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");
  private static final Logger TOMCAT_LEAK_CHECKS_LOG =
      Logger.getLogger("org.apache.catalina.loader.WebappClassLoaderBase");

  // Held, so that the filters set on them stay.
  private static final Set<Logger> FILTERED_LOGS = ConcurrentHashMap.newKeySet();

  /** What a test's servlet throws on purpose: not logged by the container. */
  static final class DeliberateFailure extends ServletException {
    private static final long serialVersionUID = 1L;

    DeliberateFailure(String message) {
      super(message);
    }
  }

  /** A started container: its base URL (with the context path) and how to stop it. */
  record Running(String base, AutoCloseable stop) {}

  /** Starts the container with the application at {@code contextPath}; {@code dir} is scratch. */
  abstract Running start(Path dir, String contextPath, HttpServlet servlet, Filter filter)
      throws Exception;

  private static String base(int port, String contextPath) {
    return "http://127.0.0.1:" + port + (contextPath.equals("/") ? "" : contextPath);
  }
}
