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
package io.lbkit.grpc;

import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** The consistent-hashing selectors, which route by a request header. */
enum HashKind {
  RING_HASH(LbkitPolicies.RING_HASH),
  MAGLEV(LbkitPolicies.MAGLEV),
  BOUNDED_LOAD_HASH(LbkitPolicies.BOUNDED_LOAD_HASH);

  final String policyName;

  HashKind(String policyName) {
    this.policyName = policyName;
  }

  /** The hash kind of a policy, or null for a policy that does not hash. */
  static @Nullable HashKind of(String policyName) {
    for (HashKind k : values()) {
      if (k.policyName.equals(policyName)) {
        return k;
      }
    }
    return null;
  }

  /** A new selector of this kind for each balancer; {@code epsilon} for bounded-load hashing. */
  Supplier<Selector> selector(double epsilon) {
    return switch (this) {
      case RING_HASH -> () -> Selectors.byName("ring_hash");
      case MAGLEV -> () -> Selectors.byName("maglev");
      case BOUNDED_LOAD_HASH -> () -> Selectors.boundedLoadHash(epsilon);
    };
  }
}
