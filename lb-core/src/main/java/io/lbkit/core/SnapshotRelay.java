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

import com.google.common.collect.ImmutableList;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every published state of a balancer to its {@link SnapshotListener}s as a {@link
 * BalancerSnapshot}, catching what a listener throws: the change is published whatever a listener
 * does, and the thread that made it must not see it fail.
 */
final class SnapshotRelay implements PublishListener {
  private static final Logger logger = LoggerFactory.getLogger("io.lbkit.core.LoadBalancer");

  private final String name;
  // Makes the public view of a state; a function, so that the relay does not know the balancer.
  private final Function<Snapshot, BalancerSnapshot> views;
  private final ImmutableList<SnapshotListener> listeners;

  private SnapshotRelay(
      String name,
      Function<Snapshot, BalancerSnapshot> views,
      ImmutableList<SnapshotListener> listeners) {
    this.name = name;
    this.views = views;
    this.listeners = listeners;
  }

  /**
   * Adds a relay to {@code publisher} if there are listeners, then tells them of the current state:
   * added first, so that a change published in between (by a health check already running) is not
   * missed; a listener may hear one state twice.
   */
  static void attach(
      String name,
      Function<Snapshot, BalancerSnapshot> views,
      SnapshotPublisher publisher,
      ImmutableList<SnapshotListener> listeners) {
    if (listeners.isEmpty()) {
      return;
    }
    SnapshotRelay relay = new SnapshotRelay(name, views, listeners);
    publisher.addListener(relay);
    relay.published(publisher.current(), publisher.current());
  }

  @Override
  public void published(Snapshot before, Snapshot after) {
    BalancerSnapshot view = views.apply(after);
    for (SnapshotListener l : listeners) {
      try {
        l.onSnapshot(view);
      } catch (RuntimeException e) {
        logger.warn("{}: snapshot listener {} failed", name, l, e);
      }
    }
  }
}
