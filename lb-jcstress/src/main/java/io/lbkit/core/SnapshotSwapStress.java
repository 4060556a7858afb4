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
import org.openjdk.jcstress.infra.results.LL_Result;
import org.openjdk.jcstress.infra.results.L_Result;
import org.openjdk.jcstress.infra.results.ZL_Result;

/**
 * Races between membership or health changes and picks. A change builds a new immutable snapshot
 * and publishes it with a compare-and-set of the balancer's one snapshot reference; a pick reads
 * that reference once. The promise under test: once a change method has returned, no pick that
 * starts afterwards sees the old snapshot. "Afterwards" is made observable with a volatile flag
 * that the changing thread sets after the change returns: a picking thread that reads the flag as
 * set before it picks is ordered after the change (happens-before through the flag).
 *
 * <p>The balancers use a selector that always picks the last eligible server, so the picked id
 * names the snapshot the pick read: {@code b} before b's removal, {@code a} after.
 */
public final class SnapshotSwapStress {
  private SnapshotSwapStress() {}

  private static LoadBalancer lastOf(Server... servers) {
    return LoadBalancer.builder()
        .selector(new JcstressFixtures.LastSelector())
        .servers(servers)
        .build();
  }

  /** {@code removeServer("b")} against a pick; a pick that saw the flag must not get b. */
  @JCStressTest
  @Outcome(id = "false, b", expect = ACCEPTABLE, desc = "picked before the removal")
  @Outcome(id = "false, a", expect = ACCEPTABLE, desc = "removal seen before the flag was set")
  @Outcome(id = "true, a", expect = ACCEPTABLE, desc = "picked after the removal")
  @Outcome(id = "true, b", expect = FORBIDDEN, desc = "picked a server whose removal returned")
  @Outcome(expect = FORBIDDEN, desc = "impossible pick")
  @State
  public static class RemoveVsPick {
    private final LoadBalancer balancer = lastOf(server("a"), server("b"));
    private volatile boolean removed;

    @Actor
    public void remove() {
      balancer.removeServer("b");
      removed = true;
    }

    @Actor
    public void pick(ZL_Result r) {
      r.r1 = removed;
      r.r2 = balancer.pick().server().id();
    }
  }

  /** {@code setHealth("b", UNHEALTHY)} against a pick, with the same visibility rule. */
  @JCStressTest
  @Outcome(id = "false, b", expect = ACCEPTABLE, desc = "picked before the health change")
  @Outcome(id = "false, a", expect = ACCEPTABLE, desc = "change seen before the flag was set")
  @Outcome(id = "true, a", expect = ACCEPTABLE, desc = "picked after the health change")
  @Outcome(id = "true, b", expect = FORBIDDEN, desc = "picked a server made unhealthy")
  @Outcome(expect = FORBIDDEN, desc = "impossible pick")
  @State
  public static class UnhealthyVsPick {
    private final LoadBalancer balancer = lastOf(server("a"), server("b"));
    private volatile boolean changed;

    @Actor
    public void markUnhealthy() {
      balancer.setHealth("b", HealthState.UNHEALTHY);
      changed = true;
    }

    @Actor
    public void pick(ZL_Result r) {
      r.r1 = changed;
      r.r2 = balancer.pick().server().id();
    }
  }

  /** {@code addServer(c)} against a pick: a pick that saw the flag must see c (the last server). */
  @JCStressTest
  @Outcome(id = "false, b", expect = ACCEPTABLE, desc = "picked before the addition")
  @Outcome(id = "false, c", expect = ACCEPTABLE, desc = "addition seen before the flag was set")
  @Outcome(id = "true, c", expect = ACCEPTABLE, desc = "picked after the addition")
  @Outcome(id = "true, b", expect = FORBIDDEN, desc = "missed a server whose addition returned")
  @Outcome(expect = FORBIDDEN, desc = "impossible pick")
  @State
  public static class AddVsPick {
    private final LoadBalancer balancer = lastOf(server("a"), server("b"));
    private volatile boolean added;

    @Actor
    public void add() {
      balancer.addServer(server("c"));
      added = true;
    }

    @Actor
    public void pick(ZL_Result r) {
      r.r1 = added;
      r.r2 = balancer.pick().server().id();
    }
  }

  /**
   * Two picks in a row on one thread while b is removed: once a pick has seen the removal, a later
   * pick cannot see b again (snapshots only move forward).
   */
  @JCStressTest
  @Outcome(
      id = {"b, b", "b, a", "a, a"},
      expect = ACCEPTABLE,
      desc = "removal seen once, for good")
  @Outcome(id = "a, b", expect = FORBIDDEN, desc = "a removed server came back")
  @Outcome(expect = FORBIDDEN, desc = "impossible pick")
  @State
  public static class NoResurrection {
    private final LoadBalancer balancer = lastOf(server("a"), server("b"));

    @Actor
    public void remove() {
      balancer.removeServer("b");
    }

    @Actor
    public void pickTwice(LL_Result r) {
      r.r1 = balancer.pick().server().id();
      r.r2 = balancer.pick().server().id();
    }
  }

  /**
   * Two changes at once: a removal of a and a health change of b. The CAS that loses must rebuild
   * on the winner's snapshot, so both changes survive, whatever the order. A blind write of a
   * snapshot built from a stale one would resurrect a or forget b's health.
   */
  @JCStressTest
  @Outcome(id = "b=UNHEALTHY c=HEALTHY; pick c", expect = ACCEPTABLE, desc = "both changes kept")
  @Outcome(expect = FORBIDDEN, desc = "a change was lost")
  @State
  public static class ConcurrentChanges {
    private final LoadBalancer balancer = lastOf(server("a"), server("b"), server("c"));

    @Actor
    public void remove() {
      balancer.removeServer("a");
    }

    @Actor
    public void markUnhealthy() {
      balancer.setHealth("b", HealthState.UNHEALTHY);
    }

    @Arbiter
    public void arbiter(L_Result r) {
      StringBuilder state = new StringBuilder();
      for (Server s : balancer.servers()) {
        state.append(state.length() == 0 ? "" : " ").append(s.id()).append('=');
        state.append(balancer.health(s.id()).orElseThrow());
      }
      r.r1 = state + "; pick " + balancer.pick().server().id();
    }
  }

  /**
   * Two threads add different servers at once: neither addition may be lost, and the membership
   * ends with both, in one of the two orders.
   */
  @JCStressTest
  @Outcome(id = "a b c d", expect = ACCEPTABLE, desc = "c added first")
  @Outcome(id = "a b d c", expect = ACCEPTABLE, desc = "d added first")
  @Outcome(expect = FORBIDDEN, desc = "an addition was lost")
  @State
  public static class ConcurrentAdds {
    private final LoadBalancer balancer = lastOf(server("a"), server("b"));

    @Actor
    public void addC() {
      balancer.addServer(server("c"));
    }

    @Actor
    public void addD() {
      balancer.addServer(server("d"));
    }

    @Arbiter
    public void arbiter(L_Result r) {
      StringBuilder ids = new StringBuilder();
      for (Server s : balancer.servers()) {
        ids.append(ids.length() == 0 ? "" : " ").append(s.id());
      }
      r.r1 = ids.toString();
    }
  }
}
