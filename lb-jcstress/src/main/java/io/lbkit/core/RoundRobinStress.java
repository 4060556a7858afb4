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
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;
import org.openjdk.jcstress.infra.results.LL_Result;

/**
 * Races on the round-robin counters: both round-robin selectors keep one 64-bit counter advanced by
 * {@code getAndIncrement}, so concurrent picks take consecutive, distinct pick numbers and the
 * cycling stays exact under concurrency. A counter advanced by a plain read-then-write would let
 * two threads take the same number and send both requests to the same server.
 */
public final class RoundRobinStress {
  private RoundRobinStress() {}

  /** Two concurrent picks from a two-server round robin go to different servers. */
  @JCStressTest
  @Outcome(
      id = {"a, b", "b, a"},
      expect = ACCEPTABLE,
      desc = "consecutive, distinct picks")
  @Outcome(expect = FORBIDDEN, desc = "two picks took the same pick number")
  @State
  public static class TwoServers {
    private final LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(server("a"), server("b"))
            .build();

    @Actor
    public void actor1(LL_Result r) {
      r.r1 = balancer.pick().server().id();
    }

    @Actor
    public void actor2(LL_Result r) {
      r.r2 = balancer.pick().server().id();
    }
  }

  /**
   * Weighted round robin with weights 1 and 3 (a window of 4 picks): two concurrent picks and then
   * two more take 4 consecutive pick numbers, and any 4 consecutive picks give a exactly one,
   * whatever number the counter started from.
   */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "exact share of a in the window")
  @Outcome(expect = FORBIDDEN, desc = "the window lost or repeated a pick number")
  @State
  public static class WeightedWindow {
    private final LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.weightedRoundRobin())
            .servers(server("a", 1), server("b", 3))
            .build();
    private volatile int countA1;
    private volatile int countA2;

    @Actor
    public void actor1() {
      countA1 = "a".equals(balancer.pick().server().id()) ? 1 : 0;
    }

    @Actor
    public void actor2() {
      countA2 = "a".equals(balancer.pick().server().id()) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(I_Result r) {
      int a = countA1 + countA2;
      for (int i = 0; i < 2; i++) {
        a += "a".equals(balancer.pick().server().id()) ? 1 : 0;
      }
      r.r1 = a;
    }
  }
}
