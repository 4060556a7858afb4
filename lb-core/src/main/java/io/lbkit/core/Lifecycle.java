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
