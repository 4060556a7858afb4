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
package io.lbkit.benchmarks;

import io.lbkit.core.Server;
import java.util.List;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.RandomLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.support.ServiceInstanceListSuppliers;

/**
 * Spring Cloud LoadBalancer 5.0.2. The measured call is {@code choose().block().getServer()}: the
 * public reactive pick, which reads the instance list from its {@code ServiceInstanceListSupplier},
 * builds the {@code Mono} chain and blocks on it (already complete, so it never waits). Both
 * balancers ignore weights (Spring's weighted supplier expands the list instead).
 */
final class SpringPeers {
  private SpringPeers() {}

  /**
   * {@code round_robin}: {@code RoundRobinLoadBalancer}; {@code random}: {@code
   * RandomLoadBalancer}.
   */
  static Peer of(String algorithm, int servers) {
    List<Server> list = Fixtures.servers(servers);
    ServiceInstance[] instances = new ServiceInstance[list.size()];
    for (int i = 0; i < instances.length; i++) {
      Server s = list.get(i);
      instances[i] = new DefaultServiceInstance("i" + i, "svc", s.host(), s.port(), false);
    }
    var supplier = ServiceInstanceListSuppliers.toProvider("svc", instances);
    ReactorServiceInstanceLoadBalancer lb =
        switch (algorithm) {
          case "round_robin" -> new RoundRobinLoadBalancer(supplier, "svc");
          case "random" -> new RandomLoadBalancer(supplier, "svc");
          default -> throw new IllegalArgumentException("unknown algorithm '" + algorithm + "'");
        };
    choose(lb); // fails fast if the chain yields nothing
    return Peer.of(i -> choose(lb));
  }

  private static ServiceInstance choose(ReactorServiceInstanceLoadBalancer lb) {
    Response<ServiceInstance> response = lb.choose().block();
    if (response == null) {
      throw new IllegalStateException("Spring Cloud LoadBalancer returned no response");
    }
    ServiceInstance server = response.getServer();
    if (server == null) {
      throw new IllegalStateException("Spring Cloud LoadBalancer chose nothing");
    }
    return server;
  }
}
