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

import org.jspecify.annotations.Nullable;

/**
 * One event of the simulation: what happens ({@link #kind}), when ({@link #time}), and to which
 * request or task. Events run in the order of their time and then of their creation ({@link #seq}),
 * so that a run does not depend on the order in which the priority queue breaks ties.
 */
final class Event {
  static final int ARRIVAL = 0;
  static final int SERVICE_END = 1;
  static final int DEADLINE = 2;
  static final int ERROR_REPLY = 3;
  static final int TASK = 4;
  static final int STREAM_END = 5;

  final long time;
  final long seq;
  final int kind;
  final @Nullable Request request;
  final @Nullable Runnable task;
  // For a service end: the request's service version it was scheduled for.
  final int version;

  Event(
      long time,
      long seq,
      int kind,
      @Nullable Request request,
      @Nullable Runnable task,
      int version) {
    this.time = time;
    this.seq = seq;
    this.kind = kind;
    this.request = request;
    this.task = task;
    this.version = version;
  }
}
