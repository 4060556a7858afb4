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

import java.util.Comparator;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * The simulation's event queue: events by time and then by creation order, and a count of the
 * events that belong to requests. The run ends when none of those are left, since periodic tasks
 * (maintenance, reports, fluctuations) would go on for ever.
 */
final class PendingEvents {
  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          Comparator.comparingLong((Event e) -> e.time).thenComparingLong(e -> e.seq));
  private long nextSeq;
  // Events that belong to requests (not scheduled tasks).
  private int live;

  /** Adds an event of {@code kind} at {@code time}. */
  void schedule(long time, int kind, @Nullable Request request, @Nullable Runnable task) {
    if (kind != Event.TASK) {
      live++;
    }
    events.add(new Event(time, nextSeq++, kind, request, task, 0));
  }

  /** Adds the end of the request's service as it stands now (its time and version). */
  void scheduleServiceEnd(Request r) {
    live++;
    events.add(
        new Event(r.serviceEndNanos, nextSeq++, Event.SERVICE_END, r, null, r.serviceVersion));
  }

  /** Whether events of requests are left. */
  boolean hasLive() {
    return live > 0;
  }

  /** Takes the next event; only while {@link #hasLive()}. */
  Event next() {
    Event e = events.poll();
    if (e.kind != Event.TASK) {
      live--;
    }
    return e;
  }
}
