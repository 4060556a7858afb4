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
package com.netflix.loadbalancer;

/**
 * Same-package access to Ribbon's {@link WeightedResponseTimeRule} weight computation, for the
 * benchmarks only. Ribbon recomputes the weights on a timer (every 30 s, first run at start); the
 * benchmark records response times first and then needs the weights in place before it measures,
 * without waiting for the timer. This runs the timer's task, {@code
 * ServerWeight.maintainWeights()}, once, on the calling thread.
 */
public final class ResponseTimeWeights {
  private ResponseTimeWeights() {}

  /**
   * Computes the rule's weights from its balancer's statistics now.
   *
   * @return the number of weights in place (one per server once computed)
   */
  public static int computeNow(WeightedResponseTimeRule rule) {
    rule.new ServerWeight().maintainWeights();
    return rule.getAccumulatedWeights().size();
  }
}
