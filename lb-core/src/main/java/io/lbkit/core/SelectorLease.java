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
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One balancer's claim on the selectors whose state outlives a snapshot (a round-robin rotation,
 * cached ring positions, learned zone capacity). That state describes one balancer's traffic, so a
 * selector shared by two balancers would serve neither: two round-robin balancers picked in turn
 * would each see every other count of one shared rotation, and send every pick to one server. A
 * stateful selector therefore serves one live balancer at a time, and a second balancer's build
 * fails with an error that names both.
 *
 * <p>The balancer holds its lease strongly and releases it on {@code close()}; the selector holds
 * it only weakly, so a balancer dropped without {@code close()} frees its selectors once it is
 * collected.
 */
final class SelectorLease {
  private final String holder;

  // Set by close() on the closing thread, read by a later build on any thread: volatile, so that a
  // build that follows a close (in happens-before order) sees the selector free.
  private volatile boolean released;

  SelectorLease(String holder) {
    this.holder = holder;
  }

  void release() {
    released = true;
  }

  /** A selector with state that belongs to one balancer; decorators pass the lease on. */
  interface Holder {
    /**
     * Takes this selector (and any selector it wraps) for the lease's balancer.
     *
     * @throws IllegalArgumentException if another live balancer holds it
     */
    void lease(SelectorLease lease);
  }

  /** Takes {@code selector} for {@code lease} if it has state of its own; others are shareable. */
  static void take(Selector selector, SelectorLease lease) {
    if (selector instanceof Holder holder) {
      holder.lease(lease);
    }
  }

  /** The place in a stateful selector that at most one live lease holds. */
  static final class Slot {
    private final AtomicReference<@Nullable WeakReference<SelectorLease>> held =
        new AtomicReference<>();

    /**
     * Takes the slot for {@code lease}, if it is free, already this lease's, or held by a balancer
     * that was closed or collected.
     *
     * @throws IllegalArgumentException naming both balancers, if another live one holds it
     */
    void take(SelectorLease lease, String selectorName) {
      for (; ; ) {
        WeakReference<SelectorLease> current = held.get();
        SelectorLease other = current == null ? null : current.get();
        if (other == lease) {
          return;
        }
        if (other != null && !other.released) {
          throw new IllegalArgumentException(
              "selector "
                  + selectorName
                  + " is already used by balancer '"
                  + other.holder
                  + "', so balancer '"
                  + lease.holder
                  + "' cannot use it too: its state (a rotation, a cache) belongs to one balancer."
                  + " Create one selector per balancer, e.g. a new Selectors call for each");
        }
        // A CAS, not a plain set: two balancers built at once with one selector must not both win.
        if (held.compareAndSet(current, new WeakReference<>(lease))) {
          return;
        }
      }
    }
  }
}
