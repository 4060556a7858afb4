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

import static io.lbkit.core.JcstressFixtures.server;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZL_Result;

/**
 * Consistent-hashing tables rebuilt while keyed picks run. A membership change builds a new ring or
 * Maglev table off the pick path and publishes it with the snapshot; a keyed pick reads the
 * snapshot once and looks the key up in that snapshot's table. The promise under test is the
 * snapshot swap's, for tables: a pick that starts after {@code removeServer("b")} returned (seen
 * through a volatile flag, as in {@link SnapshotSwapStress}) never lands on b, even with a key that
 * hashed to b, and a pick never sees a half-built table (any other id, or an exception).
 */
public final class HashRebuildStress {
  private HashRebuildStress() {}

  /** Finds a key that the balancer maps to {@code target} right now. */
  private static PickContext keyFor(LoadBalancer balancer, String target) {
    for (int i = 0; ; i++) {
      PickContext context = PickContext.ofHashKey("key-" + i);
      Pick pick = balancer.pick(context);
      pick.close();
      if (pick.server().id().equals(target)) {
        return context;
      }
    }
  }

  private static LoadBalancer balancer(Selector selector) {
    return LoadBalancer.builder()
        .selector(selector)
        .ticker(JcstressFixtures.FROZEN_TICKER)
        .servers(server("a"), server("b"), server("c"))
        .build();
  }

  /** Maglev (a small prime table, so each test state builds quickly). */
  @JCStressTest
  @Outcome(id = "false, b", expect = ACCEPTABLE, desc = "picked before the removal")
  @Outcome(id = "false, a", expect = ACCEPTABLE, desc = "removal seen before the flag was set")
  @Outcome(id = "false, c", expect = ACCEPTABLE, desc = "removal seen before the flag was set")
  @Outcome(id = "true, a", expect = ACCEPTABLE, desc = "picked after the removal")
  @Outcome(id = "true, c", expect = ACCEPTABLE, desc = "picked after the removal")
  @Outcome(id = "true, b", expect = FORBIDDEN, desc = "a removed server's key still led to it")
  @Outcome(expect = FORBIDDEN, desc = "impossible pick")
  @State
  public static class MaglevRemoveVsKeyedPick {
    private final LoadBalancer balancer = balancer(Selectors.maglev(251));
    private final PickContext key = keyFor(balancer, "b");
    private volatile boolean removed;

    @Actor
    public void remove() {
      balancer.removeServer("b");
      removed = true;
    }

    @Actor
    public void pick(ZL_Result r) {
      r.r1 = removed;
      r.r2 = balancer.pick(key).server().id();
    }
  }

  /** Ring hash with few virtual nodes, same rule. */
  @JCStressTest
  @Outcome(id = "false, b", expect = ACCEPTABLE, desc = "picked before the removal")
  @Outcome(id = "false, a", expect = ACCEPTABLE, desc = "removal seen before the flag was set")
  @Outcome(id = "false, c", expect = ACCEPTABLE, desc = "removal seen before the flag was set")
  @Outcome(id = "true, a", expect = ACCEPTABLE, desc = "picked after the removal")
  @Outcome(id = "true, c", expect = ACCEPTABLE, desc = "picked after the removal")
  @Outcome(id = "true, b", expect = FORBIDDEN, desc = "a removed server's key still led to it")
  @Outcome(expect = FORBIDDEN, desc = "impossible pick")
  @State
  public static class RingRemoveVsKeyedPick {
    private final LoadBalancer balancer = balancer(Selectors.ringHash(1, 10));
    private final PickContext key = keyFor(balancer, "b");
    private volatile boolean removed;

    @Actor
    public void remove() {
      balancer.removeServer("b");
      removed = true;
    }

    @Actor
    public void pick(ZL_Result r) {
      r.r1 = removed;
      r.r2 = balancer.pick(key).server().id();
    }
  }
}
