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
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZDI_Result;
import org.openjdk.jcstress.infra.results.ZZD_Result;
import org.openjdk.jcstress.infra.results.ZZI_Result;

/**
 * Races on a {@link Pick}'s completion: a request's outcome may be reported from the request's own
 * thread and at the same time from a cancellation or timeout callback on another. The first report
 * must win exactly once, so the server's in-flight slot is released exactly once (never twice,
 * which would undercount another request, never zero times, which would leak) and only the winner's
 * latency sample is recorded.
 */
public final class PickCompletionStress {
  private PickCompletionStress() {}

  /**
   * Two threads report the same pick at once. Exactly one {@code complete} returns true and the
   * server's in-flight count ends at zero.
   */
  @JCStressTest
  @Outcome(
      id = {"true, false, 0", "false, true, 0"},
      expect = ACCEPTABLE,
      desc = "one report won")
  @Outcome(id = "true, true, .*", expect = FORBIDDEN, desc = "both reports won")
  @Outcome(id = "false, false, .*", expect = FORBIDDEN, desc = "no report won")
  @Outcome(expect = FORBIDDEN, desc = "the in-flight slot was not released exactly once")
  @State
  public static class CompleteTwice {
    private final LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.leastConnections())
            .ticker(FROZEN_TICKER)
            .servers(server("a"))
            .build();
    private final Pick pick = balancer.pick();

    @Actor
    public void success(ZZI_Result r) {
      r.r1 = pick.complete(io.lbkit.core.Outcome.SUCCESS);
    }

    @Actor
    public void failure(ZZI_Result r) {
      r.r2 = pick.complete(io.lbkit.core.Outcome.FAILURE);
    }

    @Arbiter
    public void arbiter(ZZI_Result r) {
      r.r3 = balancer.eligibleEndpoints().get(0).inFlight();
    }
  }

  /**
   * {@code close()} (CANCELLED, which records no latency) races a success reported with a 5 ms
   * latency, on a balancer that tracks both in-flight counts and latency. If the success won, the
   * estimate is exactly 5 ms; if the close won, no sample was recorded; either way the in-flight
   * count is zero. A success that returned true without its sample, or a sample recorded by a
   * report that lost, is forbidden.
   */
  @JCStressTest
  @Outcome(id = "true, 5000000.0, 0", expect = ACCEPTABLE, desc = "the success won")
  @Outcome(id = "false, 0.0, 0", expect = ACCEPTABLE, desc = "the close won")
  @Outcome(expect = FORBIDDEN, desc = "the winner and the recorded state disagree")
  @State
  public static class CloseVsSuccess {
    private final LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .ticker(FROZEN_TICKER)
            .servers(server("a"))
            .build();
    private final Pick pick = balancer.pick();

    @Actor
    public void close() {
      pick.close();
    }

    @Actor
    public void success(ZDI_Result r) {
      r.r1 = pick.complete(io.lbkit.core.Outcome.SUCCESS, 5_000_000L);
    }

    @Arbiter
    public void arbiter(ZDI_Result r) {
      Endpoint e = balancer.eligibleEndpoints().get(0);
      // The estimate as stored, without decay, so that the reading instant does not matter.
      r.r2 = e.stats.latencyEstimate(0, 1, false);
      r.r3 = e.inFlight();
    }
  }

  /**
   * {@code responseStarted} (a 5 ms time to first response) races a success reported with 7 ms (a
   * completion on another thread, say a cancellation callback that saw the body end). Whichever
   * claims the pick's state first decides the one latency sample: 5 ms if the response start won
   * (the success then takes none), 7 ms if the success won (the response start then takes none and
   * returns false). The completion always wins its own claim, and the in-flight slot is released
   * once (the third result is -1 if it is not zero). Both samples, or none, are forbidden.
   */
  @JCStressTest
  @Outcome(id = "true, true, 5000000.0", expect = ACCEPTABLE, desc = "the response start won")
  @Outcome(id = "false, true, 7000000.0", expect = ACCEPTABLE, desc = "the success won")
  @Outcome(expect = FORBIDDEN, desc = "two samples, no sample, or a leaked in-flight slot")
  @State
  public static class ResponseStartedVsSuccess {
    private final LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .ticker(FROZEN_TICKER)
            .servers(server("a"))
            .build();
    private final Pick pick = balancer.pick();

    @Actor
    public void responseStarted(ZZD_Result r) {
      r.r1 = pick.responseStarted(5_000_000L);
    }

    @Actor
    public void success(ZZD_Result r) {
      r.r2 = pick.complete(io.lbkit.core.Outcome.SUCCESS, 7_000_000L);
    }

    @Arbiter
    public void arbiter(ZZD_Result r) {
      Endpoint e = balancer.eligibleEndpoints().get(0);
      r.r3 = e.inFlight() == 0 ? e.stats.latencyEstimate(0, 1, false) : -1;
    }
  }
}
