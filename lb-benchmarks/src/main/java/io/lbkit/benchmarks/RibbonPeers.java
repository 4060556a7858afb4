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

import com.netflix.loadbalancer.BaseLoadBalancer;
import com.netflix.loadbalancer.BestAvailableRule;
import com.netflix.loadbalancer.IRule;
import com.netflix.loadbalancer.LoadBalancerBuilder;
import com.netflix.loadbalancer.LoadBalancerStats;
import com.netflix.loadbalancer.RandomRule;
import com.netflix.loadbalancer.ResponseTimeWeights;
import com.netflix.loadbalancer.RoundRobinRule;
import com.netflix.loadbalancer.Server;
import com.netflix.loadbalancer.ServerStats;
import com.netflix.loadbalancer.WeightedResponseTimeRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Netflix Ribbon 2.7.18 rules over a {@code BaseLoadBalancer} built by {@code
 * LoadBalancerBuilder.newBuilder().withRule(rule).buildFixedServerListLoadBalancer(servers)}.
 * Ribbon has no static weights: every rule here sees the servers unweighted.
 *
 * <ul>
 *   <li>Pick alone: {@code rule.choose(null)}, which reads the balancer's server lists (and, for
 *       {@code BestAvailableRule}, every server's {@code ServerStats} from a Guava cache).
 *   <li>Full path ({@code _full}): the pick plus the statistics a Ribbon client records around a
 *       call ({@code LoadBalancerContext.noteOpenConnection} and {@code noteRequestCompletion}):
 *       {@code incrementActiveRequestsCount()}, {@code decrementActiveRequestsCount()} and {@code
 *       noteResponseTime(ms)} on the chosen server's {@code ServerStats}.
 * </ul>
 */
final class RibbonPeers {
  private RibbonPeers() {}

  /**
   * {@code round_robin}: {@code RoundRobinRule}; {@code random}: {@code RandomRule}; {@code
   * best_available}: {@code BestAvailableRule} (fewest active requests, O(n)); {@code
   * weighted_response_time}: {@code WeightedResponseTimeRule} (random over weights {@code total -
   * average response time}, a linear scan of the cumulative weights), with every server given a
   * recorded response time and the weights computed before measuring.
   */
  static Peer of(String algorithm, int servers, boolean fullPath) {
    IRule rule =
        switch (algorithm) {
          case "round_robin" -> new RoundRobinRule();
          case "random" -> new RandomRule();
          case "best_available" -> new BestAvailableRule();
          case "weighted_response_time" -> new WeightedResponseTimeRule();
          default -> throw new IllegalArgumentException("unknown algorithm '" + algorithm + "'");
        };
    List<Server> list = new ArrayList<>(servers);
    for (io.lbkit.core.Server s : Fixtures.servers(servers)) {
      list.add(new Server(s.host(), s.port()));
    }
    BaseLoadBalancer lb =
        LoadBalancerBuilder.newBuilder().withRule(rule).buildFixedServerListLoadBalancer(list);
    LoadBalancerStats stats = lb.getLoadBalancerStats();
    AutoCloseable close =
        () -> {
          if (rule instanceof WeightedResponseTimeRule w) {
            w.shutdown();
          }
          lb.shutdown();
        };
    if (rule instanceof WeightedResponseTimeRule w) {
      for (int i = 0; i < list.size(); i++) {
        stats.noteResponseTime(list.get(i), PeerKeys.latencyMicros(i));
      }
      int weights = ResponseTimeWeights.computeNow(w);
      if (weights != servers) {
        throw new IllegalStateException(weights + " response-time weights for " + servers);
      }
    }
    if (rule.choose(null) == null) {
      throw new IllegalStateException("Ribbon " + algorithm + " chose nothing");
    }
    if (!fullPath) {
      return new Peer(i -> rule.choose(null), close);
    }
    return new Peer(
        i -> {
          Server server = rule.choose(null);
          ServerStats ss = stats.getSingleServerStat(server);
          ss.incrementActiveRequestsCount();
          ss.decrementActiveRequestsCount();
          ss.noteResponseTime(1.0);
          return server;
        },
        close);
  }
}
