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

import static io.lbkit.core.JcstressFixtures.FROZEN_TICKER;
import static io.lbkit.core.JcstressFixtures.server;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.I_Result;
import org.openjdk.jcstress.infra.results.ZI_Result;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * Races on the probing selector's pool ({@link ProbePool}): picks that route on and remove results
 * against answers that add them, uses counted by atomic adds, the per-server probe claim, and the
 * hot threshold's recomputation.
 */
public final class ProbePoolStress {
  private ProbePoolStress() {}

  private static final long NOW = FROZEN_TICKER.read();

  /** A balancer of three servers, the probing picker over its endpoints, and its pool. */
  abstract static class Fixture {
    final LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(server("a"), server("b"), server("c"))
            .ticker(FROZEN_TICKER)
            .build();
    final ProbingSelector.ProbingPicker picker;
    final ProbePool pool;

    Fixture(ProbingConfig config) {
      Selector.Picker p =
          new ProbingSelector(config)
              .newPicker(
                  PickerInputs.standalone(
                      balancer.eligibleEndpoints(),
                      ThreadLocalRandomGenerator.INSTANCE,
                      new ConcurrentHashMap<>()));
      this.picker = (ProbingSelector.ProbingPicker) p;
      this.pool = picker.pool();
    }

    Endpoint endpoint(int i) {
      return balancer.eligibleEndpoints().get(i);
    }

    /** The result of this endpoint's server in the pool, or null. */
    ProbePool.@Nullable Result resultOf(Endpoint e) {
      AtomicReferenceArray<ProbePool.@Nullable Result> slots = pool.slots();
      for (int i = 0; i < slots.length(); i++) {
        ProbePool.Result r = slots.get(i);
        if (r != null && r.target.id.equals(e.server().id())) {
          return r;
        }
      }
      return null;
    }
  }

  /**
   * Two picks route on the same result at once: its uses count both (atomic adds), and exactly one
   * pick sees the use that reaches a budget of 2.
   */
  @JCStressTest
  @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "both uses counted, one reached the budget")
  @Outcome(expect = FORBIDDEN, desc = "a use was lost or both saw the budget reached")
  @State
  public static class UsesCounted {
    final ProbePool.Result result =
        new ProbePool.Result(new ProbePool.Target("a", 0, NOW), 0, 1_000_000, NOW, 2);
    int reached1;
    int reached2;

    @Actor
    public void actor1() {
      reached1 = result.use() >= result.budget ? 1 : 0;
    }

    @Actor
    public void actor2() {
      reached2 = result.use() >= result.budget ? 1 : 0;
    }

    @Arbiter
    public void arbiter(II_Result r) {
      r.r1 = result.uses();
      r.r2 = reached1 + reached2;
    }
  }

  /**
   * A pick takes the single-use result of a (the fastest cold one) by removing it, while a newer
   * answer of a replaces it. The pick's removal is a compare-and-set from the result it read, so it
   * never removes a result it did not take: if it took the older result, the newer one stays.
   */
  @JCStressTest
  @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "took the older result; the newer one stays")
  @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "took the newer result and removed it")
  @Outcome(expect = FORBIDDEN, desc = "a pick removed a result it did not take, or kept one")
  @State
  public static class NewerResultSurvivesRemoval extends Fixture {
    final ProbePool.Result older;
    final LoadReport newer = LoadReport.of(0, 2_000_000);
    ProbePool.@Nullable Result taken;

    public NewerResultSurvivesRemoval() {
      super(ProbingConfig.builder().maxReuse(1).build());
      pool.receive(endpoint(0), LoadReport.of(0, 1_000_000), NOW, NOW);
      pool.receive(endpoint(1), LoadReport.of(0, 5_000_000), NOW, NOW);
      ProbePool.Result a = resultOf(endpoint(0));
      if (a == null) {
        throw new IllegalStateException("no result of a");
      }
      this.older = a;
    }

    @Actor
    public void pick() {
      taken = picker.take(NOW, 0L);
    }

    @Actor
    public void answer() {
      pool.receive(endpoint(0), newer, NOW + 1, NOW + 1);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      ProbePool.Result a = resultOf(endpoint(0));
      r.r1 = taken == older ? 1 : 0;
      r.r2 = a != null && a.latencyNanos == newer.latencyNanos() ? 1 : 0;
    }
  }

  /**
   * Two answers for different servers race into the last empty slot of a pool of two: one takes it;
   * the other replaces the oldest result or, if it saw no result to replace, is dropped (a lost
   * probe, never a lost slot or a torn one).
   */
  @JCStressTest
  @Outcome(id = "true, true", expect = ACCEPTABLE, desc = "both results in the pool")
  @Outcome(
      id = {"true, false", "false, true"},
      expect = ACCEPTABLE_INTERESTING,
      desc = "one answer lost the race for the slot and was dropped")
  @Outcome(expect = FORBIDDEN, desc = "both answers lost")
  @State
  public static class RacingAdds extends Fixture {
    public RacingAdds() {
      super(ProbingConfig.builder().poolSize(2).build());
      pool.receive(endpoint(2), LoadReport.of(0, 1_000_000), NOW - 10, NOW - 10);
    }

    @Actor
    public void answerA() {
      pool.receive(endpoint(0), LoadReport.of(1, 1_000_000), NOW, NOW);
    }

    @Actor
    public void answerB() {
      pool.receive(endpoint(1), LoadReport.of(2, 1_000_000), NOW, NOW);
    }

    @Arbiter
    public void arbiter(ZZ_Result r) {
      r.r1 = resultOf(endpoint(0)) != null;
      r.r2 = resultOf(endpoint(1)) != null;
    }
  }

  /** Two picks claim the probe of one server in the same interval: exactly one gets it. */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "one probe per interval")
  @Outcome(expect = FORBIDDEN, desc = "two probes, or none")
  @State
  public static class OneProbePerInterval {
    final ProbePool.Target target = new ProbePool.Target("a", 0, NOW);
    int claimed1;
    int claimed2;

    @Actor
    public void actor1() {
      claimed1 = target.claimProbe(NOW, 1_000_000, 0) ? 1 : 0;
    }

    @Actor
    public void actor2() {
      claimed2 = target.claimProbe(NOW, 1_000_000, 0) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(I_Result r) {
      r.r1 = claimed1 + claimed2;
    }
  }

  /**
   * With a burst of two, one probe already claimed: two picks claim the burst's last probe at once,
   * and exactly one gets it (the rate's schedule moves by compare-and-set).
   */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "the burst's last probe, once")
  @Outcome(expect = FORBIDDEN, desc = "more probes than the burst allows, or none")
  @State
  public static class BurstHolds {
    final ProbePool.Target target = new ProbePool.Target("a", 0, NOW);
    int claimed1;
    int claimed2;

    public BurstHolds() {
      if (!target.claimProbe(NOW, 1_000_000, 1_000_000)) {
        throw new IllegalStateException("the first probe of a burst was refused");
      }
    }

    @Actor
    public void actor1() {
      claimed1 = target.claimProbe(NOW, 1_000_000, 1_000_000) ? 1 : 0;
    }

    @Actor
    public void actor2() {
      claimed2 = target.claimProbe(NOW, 1_000_000, 1_000_000) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(I_Result r) {
      r.r1 = claimed1 + claimed2;
    }
  }

  /**
   * Answers on two threads each bring the sample count to a recomputation of the hot threshold: the
   * two recomputations may overlap, and the one that finds the scratch arrays taken skips its turn.
   * The threshold is then one of the samples (5 or 9), and the arrays' flag is free again: a full
   * ring of later samples moves the threshold to them.
   */
  @JCStressTest
  @Outcome(id = "true, 7", expect = ACCEPTABLE, desc = "a sampled threshold, the flag free again")
  @Outcome(expect = FORBIDDEN, desc = "a threshold no sample gave, or the flag left taken")
  @State
  public static class ThresholdRecomputation extends Fixture {
    public ThresholdRecomputation() {
      super(ProbingConfig.builder().hotQuantile(0.5).build());
      // One sample short of the first recomputation: the actors' samples bring the next two.
      for (int i = 0; i < ProbePool.RECOMPUTE_EVERY - 1; i++) {
        answer(0, 5);
      }
    }

    void answer(int server, int rif) {
      pool.receive(endpoint(server), LoadReport.of(rif, 1_000), NOW, NOW);
    }

    @Actor
    public void actor1() {
      for (int i = 0; i < ProbePool.RECOMPUTE_EVERY; i++) {
        answer(1, 9);
      }
    }

    @Actor
    public void actor2() {
      for (int i = 0; i < ProbePool.RECOMPUTE_EVERY; i++) {
        answer(2, 9);
      }
    }

    @Arbiter
    public void arbiter(ZI_Result r) {
      int threshold = pool.hotRif();
      r.r1 = threshold == 5 || threshold == 9;
      for (int i = 0; i < ProbePool.RING; i++) {
        answer(0, 7);
      }
      r.r2 = pool.hotRif();
    }
  }
}
