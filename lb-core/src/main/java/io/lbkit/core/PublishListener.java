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
 * Told of every snapshot a balancer publishes, right after it is published, on the thread of the
 * change: transition reporting and the start of health checks for new servers listen this way, so
 * that the publisher knows nothing of either.
 */
@FunctionalInterface
interface PublishListener {
  /** {@code after} has replaced {@code before}; picks that start from now on see it. */
  void published(Snapshot before, Snapshot after);
}
