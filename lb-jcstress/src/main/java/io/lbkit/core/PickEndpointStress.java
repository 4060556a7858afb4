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

import com.google.common.base.Ticker;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * Races on the pick without a handle ({@link LoadBalancer#pickEndpoint(long)} and {@link
 * LoadBalancer#complete(Endpoint, long, Outcome)}) and on the coarse clock that picks of in-flight
 * selectors read with the system ticker.
 */
public final class PickEndpointStress {
  private PickEndpointStress() {}

  /**
   * Two requests pick and complete through the handle-free path at once on one server: each sees
   * itself counted (1 or 2) while in flight, and both completions leave exactly zero.
   */
  @JCStressTest
  @Outcome(id = "[12], [12], 0", expect = ACCEPTABLE, desc = "counted while in flight, then zero")
  @Outcome(expect = FORBIDDEN, desc = "a lost or doubled in-flight update")
  @State
  public static class TwoPicks {
    private final LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(FROZEN_TICKER)
            .servers(server("a"))
            .build();

    private int pickAndComplete() {
      long start = balancer.pickStart();
      Endpoint e = balancer.pickEndpoint(start);
      int seen = e.inFlight();
      balancer.complete(e, start, io.lbkit.core.Outcome.SUCCESS);
      return seen;
    }

    @Actor
    public void actor1(III_Result r) {
      r.r1 = pickAndComplete();
    }

    @Actor
    public void actor2(III_Result r) {
      r.r2 = pickAndComplete();
    }

    @Arbiter
    public void arbiter(III_Result r) {
      r.r3 = balancer.eligibleEndpoints().get(0).inFlight();
    }
  }

  /**
   * Two threads publish the system ticker's readings to the coarse clock at once. The publish is a
   * check-then-store, not a CAS: the newer reading usually stays, but the older one may overwrite
   * it when both pass the check before either stores. The in-flight buckets tolerate that (an epoch
   * slightly older than the last one seen); what must never happen is a value that is neither
   * reading, or older than the clock was before both.
   */
  @JCStressTest
  @Outcome(id = "2", expect = ACCEPTABLE, desc = "the newer reading stays")
  @Outcome(id = "1", expect = ACCEPTABLE_INTERESTING, desc = "the older of two racing readings")
  @Outcome(expect = FORBIDDEN, desc = "a torn, foreign or backward value")
  @State
  public static class RacingPublishers {
    private final Accounting accounting =
        new Accounting(Ticker.systemTicker(), true, false, 1_000_000L, LatencyModel.DEFAULT, null);
    private final long before = accounting.coarseNanos();
    private volatile long first;
    private volatile long second;

    @Actor
    public void actor1() {
      first = accounting.read();
    }

    @Actor
    public void actor2() {
      second = accounting.read();
    }

    @Arbiter
    public void arbiter(I_Result r) {
      long c = accounting.coarseNanos();
      long newer = Math.max(first, second);
      long older = Math.min(first, second);
      if (c == newer && c - before >= 0) {
        r.r1 = 2;
      } else if (c == older && c - before >= 0) {
        r.r1 = 1;
      } else {
        r.r1 = 0;
      }
    }
  }
}
