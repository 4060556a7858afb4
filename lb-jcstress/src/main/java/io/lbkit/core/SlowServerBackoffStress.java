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

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Races on least response time's back-off word ({@link SlowServerBackoff}): pickers count each
 * latency sample of a server once, by a compareAndSet keyed on the sample's timestamp, and never
 * count an older sample after a newer one. The arbiter reads the level.
 */
public final class SlowServerBackoffStress {
  private SlowServerBackoffStress() {}

  /** A latency word as ServerStats packs it: estimate bits above a 40-bit timestamp. */
  static long word(int estimateBits, long stamp) {
    return ((long) estimateBits << 40) | stamp;
  }

  /** Two pickers see the same new slow sample at once: it counts once, level 1. */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "the sample counted once")
  @Outcome(id = "2", expect = FORBIDDEN, desc = "the sample counted twice")
  @Outcome(expect = FORBIDDEN, desc = "the sample lost")
  @State
  public static class SameSample {
    private final SlowServerBackoff backoff = new SlowServerBackoff();
    private static final long WORD = word(0x4123, 1000);

    @Actor
    public void picker1() {
      backoff.observe(backoff.read(), WORD, true);
    }

    @Actor
    public void picker2() {
      backoff.observe(backoff.read(), WORD, true);
    }

    @Arbiter
    public void arbiter(I_Result r) {
      r.r1 = SlowServerBackoff.level(backoff.read());
    }
  }

  /**
   * One picker holds an older slow sample, another the newer one. Older first: both count, level 2.
   * Newer first: the older one is stale and must not count after it, level 1.
   */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "newer first: the older one ignored")
  @Outcome(id = "2", expect = ACCEPTABLE, desc = "older first: both counted, once each")
  @Outcome(expect = FORBIDDEN, desc = "a sample lost or counted twice")
  @State
  public static class OlderAndNewerSample {
    private final SlowServerBackoff backoff = new SlowServerBackoff();

    @Actor
    public void older() {
      backoff.observe(backoff.read(), word(0x4123, 1000), true);
    }

    @Actor
    public void newer() {
      backoff.observe(backoff.read(), word(0x4456, 1001), true);
    }

    @Arbiter
    public void arbiter(I_Result r) {
      r.r1 = SlowServerBackoff.level(backoff.read());
    }
  }

  /**
   * From level 3, a slow sample and a newer normal one: slow first, 4 then 2; normal first, 1 and
   * the older slow one ignored. Never 3 (a sample lost) or 5 (the slow one counted after the normal
   * one took the level down).
   */
  @JCStressTest
  @Outcome(id = "1", expect = ACCEPTABLE, desc = "normal first: the older slow one ignored")
  @Outcome(id = "2", expect = ACCEPTABLE, desc = "slow first, then normal")
  @Outcome(expect = FORBIDDEN, desc = "a sample lost, or an older one counted after a newer")
  @State
  public static class SlowAndNormalSample {
    private final SlowServerBackoff backoff = new SlowServerBackoff();

    public SlowAndNormalSample() {
      for (int i = 1; i <= 3; i++) {
        backoff.observe(backoff.read(), word(0x4000, 100 + i), true);
      }
    }

    @Actor
    public void slow() {
      backoff.observe(backoff.read(), word(0x4123, 1000), true);
    }

    @Actor
    public void normal() {
      backoff.observe(backoff.read(), word(0x3000, 1001), false);
    }

    @Arbiter
    public void arbiter(I_Result r) {
      r.r1 = SlowServerBackoff.level(backoff.read());
    }
  }
}
