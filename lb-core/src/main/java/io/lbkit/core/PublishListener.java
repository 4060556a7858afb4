package io.lbkit.core;

/**
 * Told of every snapshot a balancer publishes, right after it is published, on the thread of the
 * change: transition reporting and the start of health checks for new servers listen this way, so
 * that the publisher knows nothing of either.
 */
@FunctionalInterface
interface PublishListener {
  /** {@code after} has replaced {@code before}; picks that start from now on see it. */
  void published(Snapshot before, Snapshot after);
}
