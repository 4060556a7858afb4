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

import java.lang.ref.WeakReference;

/**
 * Whether a balancer is still in use: not closed, and still reachable by the application. The
 * balancer's features (maintenance, health checks, ejections, drains) ask it before they act on
 * their own time, from the scheduler's thread.
 *
 * <p>It holds the balancer weakly and nothing else, so every feature may hold it strongly: a
 * balancer the application dropped without {@code close()} still becomes unreachable, and the
 * features see it as closed once it has been collected.
 */
final class Lifecycle {
  private final WeakReference<Object> owner;

  // Written once by close(), read by every feature's scheduled work: volatile, so that work that
  // starts after close() returned sees it and stops (the one ordering that matters: nothing may
  // start after close; work already running finishes).
  private volatile boolean closed;

  Lifecycle(Object owner) {
    this.owner = new WeakReference<>(owner);
  }

  /** Whether the balancer is open and still reachable. */
  boolean isOpen() {
    return !closed && owner.get() != null;
  }

  /** Whether {@link #close()} was called. */
  boolean isClosed() {
    return closed;
  }

  void close() {
    closed = true;
  }
}
