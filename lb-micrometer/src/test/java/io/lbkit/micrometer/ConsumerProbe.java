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
package io.lbkit.micrometer;

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Pick;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * A consumer application, run in a child JVM by {@link ConsumerClassPathTest} on the class path a
 * consumer of lb-micrometer and a Prometheus registry gets: balances a few requests and prints a
 * scrape, and whether the OkHttp adapter is on its class path.
 */
public final class ConsumerProbe {
  private ConsumerProbe() {}

  public static void main(String[] args) {
    LoadBalancerMetrics metrics = LoadBalancerMetrics.builder().serviceId("orders").build();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics.bindTo(registry);
    try (LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.powerOfTwoChoices())
            .servers(Server.of("10.0.0.1", 8080), Server.of("10.0.0.2", 8080))
            .observer(metrics.observer())
            .build()) {
      for (int i = 0; i < 5; i++) {
        try (Pick p = lb.pick()) {
          p.success();
        }
      }
      lb.clear();
      try {
        lb.pick();
      } catch (NoAvailableServerException expected) {
        // counted as a discard
      }
    }
    System.out.println(
        "okhttp adapter on the class path: " + present("io.lbkit.okhttp.RetryListener"));
    System.out.println("okhttp on the class path: " + present("okhttp3.OkHttpClient"));
    System.out.print(registry.scrape());
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, ConsumerProbe.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
