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

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.common.loadbalancer.LoadBalancer;
import com.linecorp.armeria.common.loadbalancer.SimpleLoadBalancer;
import io.lbkit.core.Server;
import java.util.ArrayList;
import java.util.List;

/**
 * Armeria 1.40.0's {@code com.linecorp.armeria.common.loadbalancer} balancers. The measured call is
 * {@code SimpleLoadBalancer.pick()}: a choice from a fixed candidate list with no request handle
 * and no statistics, like lbkit's picker alone.
 */
final class ArmeriaPeers {
  private ArmeriaPeers() {}

  /**
   * {@code round_robin}: {@code LoadBalancer.ofRoundRobin}; {@code weighted_round_robin}: {@code
   * ofWeightedRoundRobin(endpoints, Endpoint::weight)}; {@code weighted_random}: {@code
   * ofWeightedRandom(endpoints, Endpoint::weight)}; {@code ramping_up}: {@code
   * ofRampingUp(endpoints, Endpoint::weight)} in its steady state (no endpoint added after
   * creation, so every endpoint has its full weight and the pick is its weighted random).
   */
  static Peer of(String algorithm, int servers) {
    List<Endpoint> endpoints = endpoints(servers);
    SimpleLoadBalancer<Endpoint> lb =
        switch (algorithm) {
          case "round_robin" -> LoadBalancer.ofRoundRobin(endpoints);
          case "weighted_round_robin" ->
              LoadBalancer.ofWeightedRoundRobin(endpoints, Endpoint::weight);
          case "weighted_random" -> LoadBalancer.ofWeightedRandom(endpoints, Endpoint::weight);
          case "ramping_up" -> LoadBalancer.ofRampingUp(endpoints, Endpoint::weight);
          default -> throw new IllegalArgumentException("unknown algorithm '" + algorithm + "'");
        };
    if (lb.pick() == null) {
      throw new IllegalStateException("Armeria " + algorithm + " picked nothing");
    }
    return new Peer(i -> lb.pick(), lb::close);
  }

  /** The servers of {@link Fixtures#servers(int)} as Armeria endpoints, with the same weights. */
  static List<Endpoint> endpoints(int n) {
    List<Endpoint> out = new ArrayList<>(n);
    for (Server s : Fixtures.servers(n)) {
      out.add(Endpoint.of(s.host(), s.port()).withWeight((int) s.weight()));
    }
    return out;
  }
}
