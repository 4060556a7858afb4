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

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observers of one balancer as the request path calls them: each in turn, one failing observer
 * never keeping the others from hearing nor the caller from getting its pick or its report. The
 * health events reach the observers through the balancer's health listeners instead, which guard
 * them the same way.
 */
final class ObserverChain {
  private static final Logger logger = LoggerFactory.getLogger("io.lbkit.core.LoadBalancer");

  private final String name;
  private final LoadBalancerObserver[] observers;

  // Whether a failure was logged at WARN already; later ones go to DEBUG so that a broken observer
  // does not log once per request. A plain field: a race only logs one more warning.
  private boolean warned;

  private ObserverChain(String name, LoadBalancerObserver[] observers) {
    this.name = name;
    this.observers = observers;
  }

  /** The chain of these observers, or null when there are none (the request path then pays 0). */
  static @Nullable ObserverChain of(String name, List<LoadBalancerObserver> observers) {
    return observers.isEmpty()
        ? null
        : new ObserverChain(name, observers.toArray(new LoadBalancerObserver[0]));
  }

  /** Tells every observer of an outcome; allocation-free unless an observer throws. */
  void outcome(Server server, Outcome outcome, long latencyNanos) {
    for (LoadBalancerObserver o : observers) {
      try {
        o.onOutcome(server, outcome, Math.max(0, latencyNanos));
      } catch (RuntimeException e) {
        failed(o, e);
      }
    }
  }

  /** Tells every observer of a pick that found no server, and returns the exception to throw. */
  NoAvailableServerException noServer(NoAvailableServerException e) {
    for (LoadBalancerObserver o : observers) {
      try {
        o.onNoServer(e.reason());
      } catch (RuntimeException failure) {
        failed(o, failure);
      }
    }
    return e;
  }

  private void failed(LoadBalancerObserver observer, RuntimeException e) {
    if (!warned) {
      warned = true;
      logger.warn("{}: observer {} failed (later failures are logged at DEBUG)", name, observer, e);
    } else {
      logger.debug("{}: observer {} failed", name, observer, e);
    }
  }
}
