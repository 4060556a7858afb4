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

import com.google.common.collect.ImmutableMap;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds a balancer's current {@link Snapshot} and publishes every change as a new one: the
 * balancer's only mutable state that picks read. Every change, whoever makes it (the application,
 * outlier ejection, slow start, health checks, drains), goes through {@link #update}, which builds
 * the snapshot (and its picker) off the pick path and publishes it with one compare-and-set; then
 * the {@linkplain #addListener listeners} hear of it.
 *
 * <p>Concurrent changes are applied one after the other: a change that loses the race is rebuilt on
 * the winner's members. Building costs O(n) plus the selector's rebuild, so changes belong to
 * membership and health events, never to requests.
 */
final class SnapshotPublisher implements Membership {
  // The balancer's logger: its documentation names that logger for everything health does.
  private static final Logger logger = LoggerFactory.getLogger("io.lbkit.core.LoadBalancer");

  private static final VarHandle SNAPSHOT;

  static {
    try {
      SNAPSHOT =
          MethodHandles.lookup().findVarHandle(SnapshotPublisher.class, "snapshot", Snapshot.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final String name;
  private final BoundSelector selector;
  private final Accounting accounting;
  private final @Nullable SlowStart slowStart;
  private final double panicThreshold;

  // Added while the balancer is built (and by nothing on the pick path); read after every publish.
  // Copy-on-write: a publish iterates a stable array without locking.
  private final List<PublishListener> listeners = new CopyOnWriteArrayList<>();

  // The one mutable field that picks read. A pick reads it once (a volatile read: it must see the
  // snapshot that the last completed change published, which is what makes "a removed server is
  // never picked after removeServer returned" hold). Changes replace it with compareAndSet, whose
  // volatile write publishes the fully built, immutable snapshot (and picker) to every later
  // reader.
  private volatile Snapshot snapshot;

  SnapshotPublisher(
      String name,
      ImmutableMap<String, Member> initial,
      BoundSelector selector,
      Accounting accounting,
      @Nullable SlowStart slowStart,
      double panicThreshold) {
    this.name = name;
    this.selector = selector;
    this.accounting = accounting;
    this.slowStart = slowStart;
    this.panicThreshold = panicThreshold;
    this.snapshot = build(initial);
  }

  /** Adds a listener for every later publish. */
  void addListener(PublishListener listener) {
    listeners.add(listener);
  }

  @Override
  public Snapshot current() {
    return snapshot;
  }

  @Override
  public long now() {
    return accounting.read();
  }

  @Override
  @SuppressWarnings("ReferenceEquality") // a change returns the same map to say "nothing to do"
  public @Nullable Snapshot update(UnaryOperator<ImmutableMap<String, Member>> change) {
    for (; ; ) {
      Snapshot current = snapshot;
      ImmutableMap<String, Member> next = change.apply(current.members);
      if (next == current.members) {
        return null;
      }
      Snapshot built = build(next);
      if (SNAPSHOT.compareAndSet(this, current, built)) {
        for (PublishListener listener : listeners) {
          try {
            listener.published(current, built);
          } catch (RuntimeException e) {
            // The change is published whatever a listener does; its caller must not see it fail.
            logger.warn("{}: a listener of membership changes failed", name, e);
          }
        }
        return built;
      }
    }
  }

  private Snapshot build(ImmutableMap<String, Member> members) {
    return Snapshot.of(members, selector, accounting, slowStart, panicThreshold, accounting.read());
  }
}
