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
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The one way a balancer's features read and change its membership: the current snapshot, and a
 * change of the members that is published as a new snapshot. Outlier ejection, slow start, health
 * checks and drains see the balancer only through this interface, so none of them depends on the
 * balancer, or on another feature.
 */
interface Membership {
  /** The snapshot picks use now. */
  Snapshot current();

  /**
   * Applies a change to the members and publishes the snapshot built from the result, retrying on
   * the newer members if another change got in first (so the change may run more than once, and
   * must not have side effects). A change returns the same map to say "nothing to do"; a change
   * that throws leaves the balancer as it was.
   *
   * @return the published snapshot, or null if the change changed nothing
   */
  @CanIgnoreReturnValue
  @Nullable Snapshot update(UnaryOperator<ImmutableMap<String, Member>> change);

  /** The balancer's time: a reading of its ticker. */
  long now();
}
