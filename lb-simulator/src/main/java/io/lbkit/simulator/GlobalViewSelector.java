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
package io.lbkit.simulator;

import io.lbkit.core.Endpoint;
import io.lbkit.core.PickerInputs;
import io.lbkit.core.Selector;
import io.lbkit.core.Server;

/**
 * A simulator-only policy that reads the simulation's global view of the servers ({@link
 * QueueView}) and sends each request to the server of least {@link #cost}, after the least {@link
 * #rank}, ties broken at random by reservoir sampling (each of k tied servers is chosen with
 * probability 1/k). The oracles and the stale-information herd differ only in what they read.
 */
abstract class GlobalViewSelector implements Selector {
  final QueueView view;
  private final String name;

  GlobalViewSelector(String name, QueueView view) {
    this.name = name;
    this.view = view;
  }

  /** Servers of lower rank win whatever their cost; 0 for every server by default. */
  double rank(Server server) {
    return 0;
  }

  /** What the policy minimises among the servers of least rank. */
  abstract double cost(Server server);

  @Override
  public final Picker newPicker(PickerInputs inputs) {
    Endpoint[] array = inputs.endpoints().toArray(new Endpoint[0]);
    return now -> {
      Endpoint best = array[0];
      double bestRank = Double.MAX_VALUE;
      double bestCost = Double.MAX_VALUE;
      int ties = 0;
      for (Endpoint e : array) {
        double rank = rank(e.server());
        double cost = cost(e.server());
        int c = rank != bestRank ? Double.compare(rank, bestRank) : Double.compare(cost, bestCost);
        if (c < 0) {
          best = e;
          bestRank = rank;
          bestCost = cost;
          ties = 1;
        } else if (c == 0 && view.nextInt(++ties) == 0) {
          best = e;
        }
      }
      return best;
    };
  }

  @Override
  public final boolean usesInFlight() {
    return false;
  }

  @Override
  public final boolean usesLatency() {
    return false;
  }

  @Override
  public final String name() {
    return name;
  }
}
