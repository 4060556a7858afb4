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
package io.lbkit.core;

/**
 * The health of one server in a {@link LoadBalancer}: what the application set, what active health
 * checks and passive outlier detection found, and whether the server is warming up, folded into one
 * state. {@link #HEALTHY} and {@link #WARMING} servers are picked; the others are not (except in
 * panic mode, see {@link LoadBalancerBuilder#panicThreshold}).
 *
 * <p>When several causes apply, the state shows the strongest, in this order: {@link #DRAINING},
 * {@link #UNHEALTHY}, {@link #EJECTED}, {@link #WARMING}, {@link #HEALTHY}. {@link ServerStatus}
 * shows every cause separately.
 *
 * <pre>{@code
 * balancer.setHealth("10.0.0.7:8080", HealthState.UNHEALTHY); // no new picks go there
 * balancer.setHealth("10.0.0.7:8080", HealthState.HEALTHY);   // back in rotation
 * }</pre>
 *
 * @since 0.1.0
 */
public enum HealthState {
  /** Eligible for new picks at full weight. */
  HEALTHY,
  /**
   * Eligible, at a weight that ramps up over the slow-start window: the server is new or has just
   * come back from ejection.
   */
  WARMING,
  /**
   * Not eligible for a while: passive outlier detection saw it fail. It comes back by itself when
   * its ejection time is over.
   */
  EJECTED,
  /** Not eligible: the application marked it unhealthy, or active health checks are failing. */
  UNHEALTHY,
  /**
   * Not eligible for new picks; requests already sent to it complete normally. Used before a server
   * is removed.
   */
  DRAINING;

  /** Whether a server in this state may receive new picks. */
  public boolean isEligible() {
    return this == HEALTHY || this == WARMING;
  }
}
