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
package io.lbkit.benchmarks;

import com.google.common.base.Ticker;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.PickContext;
import io.lbkit.core.Selector;

/**
 * lbkit's side of the peer benchmarks, in its two measured forms.
 *
 * <ul>
 *   <li>{@link #selectorOnly}: the algorithm alone, {@code picker.pick(now)} (or {@code
 *       picker.pick(context, now)} with a precomputed key hash for the hash selectors) on a picker
 *       built through the public {@link Selector#newPicker} from the balancer's eligible endpoints,
 *       with a fixed {@code now}. No handle, no in-flight count, no clock read.
 *   <li>{@link #fullPath}: what a caller pays per request, {@code balancer.pick()} then {@code
 *       complete(Outcome.SUCCESS)}: the snapshot read, the picker, the in-flight increment and
 *       decrement, the ticker reads and latency sample where the selector uses them, and the
 *       32-byte {@link Pick} handle. For the hash selectors the key string is hashed on every call
 *       ({@code PickContext.ofHashKey(key)}), as Dubbo's consistent hash hashes its argument.
 *   <li>{@link #endpointPath}: the same without the handle, {@code pickEndpoint(start)} then {@code
 *       complete(endpoint, start, Outcome.SUCCESS)}.
 * </ul>
 */
final class LbkitPeers {
  private LbkitPeers() {}

  /** The algorithm alone over {@code servers} servers of weights 1..10. */
  static Peer selectorOnly(String selector, int servers) {
    LoadBalancer balancer = Fixtures.balancer(selector, servers);
    Fixtures.primeLatencies(balancer);
    Selector.Picker picker = balancer.selector().newPicker(balancer.eligibleEndpoints());
    long now = System.nanoTime();
    if (isHash(selector)) {
      PickContext[] contexts = new PickContext[PeerKeys.COUNT];
      for (int i = 0; i < contexts.length; i++) {
        contexts[i] = PickContext.ofHashKey(PeerKeys.key(i));
      }
      return new Peer(i -> picker.pick(contexts[i & (PeerKeys.COUNT - 1)], now), balancer);
    }
    return new Peer(i -> picker.pick(now), balancer);
  }

  /** The full caller path, pick and complete, over {@code servers} servers of weights 1..10. */
  static Peer fullPath(String selector, int servers) {
    LoadBalancer balancer = Fixtures.balancer(selector, servers);
    Fixtures.primeLatencies(balancer);
    if (isHash(selector)) {
      return new Peer(
          i -> {
            Pick p = balancer.pick(PickContext.ofHashKey(PeerKeys.key(i)));
            p.complete(Outcome.SUCCESS);
            return p;
          },
          balancer);
    }
    return new Peer(
        i -> {
          Pick p = balancer.pick();
          p.complete(Outcome.SUCCESS);
          return p;
        },
        balancer);
  }

  /**
   * The full caller path without a handle, {@code pickStart()}, {@code pickEndpoint(start)} then
   * {@code complete(endpoint, start, Outcome.SUCCESS)}: the same accounting as {@link #fullPath}, 0
   * bytes allocated.
   */
  static Peer endpointPath(String selector, int servers) {
    LoadBalancer balancer = Fixtures.balancer(selector, servers);
    Fixtures.primeLatencies(balancer);
    return new Peer(
        i -> {
          long start = balancer.pickStart();
          Endpoint e = balancer.pickEndpoint(start);
          balancer.complete(e, start, Outcome.SUCCESS);
          return e;
        },
        balancer);
  }

  /** How far the steady path's ticker moves per read: about one request's spacing per server. */
  static final long STEADY_STEP_NANOS = 100_000;

  /**
   * The full caller path without a handle at a steady state and without the cost of a clock: the
   * balancer's ticker is a counter that moves {@link #STEADY_STEP_NANOS} per read (about a
   * nanosecond, against tens for {@code System.nanoTime()}), read once per pick by {@code
   * pickStart()}, and each call reports a latency around its server's own, the one the estimates
   * were primed with ({@link Fixtures#latencyNanos}) times 0.5 to 1.375, with {@code
   * complete(endpoint, start, Outcome.SUCCESS, latency)}. Unlike {@link #endpointPath}, whose
   * completions report the few hundred nanoseconds of the loop and so pull every estimate down
   * while the run lasts, the estimates here stay where the servers' latencies put them, and each
   * server's last sample is always more than one time unit of the statistics (65 us) old, as
   * between real calls: every sample decays the estimate, and idle servers' estimates decay between
   * picks.
   */
  static Peer steadyPath(String selector, int servers) {
    LoadBalancer balancer = Fixtures.balancer(selector, servers, new SteppingTicker());
    Fixtures.primeLatencies(balancer);
    return new Peer(
        i -> {
          long start = balancer.pickStart();
          Endpoint e = balancer.pickEndpoint(start);
          // The server's latency times 4/8 to 11/8 by the call's number: samples above and
          // below the estimate, as real ones are, so that completions take both of its branches.
          long latency = (Fixtures.latencyNanos(e.server()) >> 3) * (4 + (i & 7));
          balancer.complete(e, start, Outcome.SUCCESS, latency);
          return e;
        },
        balancer);
  }

  /** A ticker that moves {@link #STEADY_STEP_NANOS} per read; one benchmark thread reads it. */
  private static final class SteppingTicker extends Ticker {
    private long nanos;

    @Override
    public long read() {
      nanos += STEADY_STEP_NANOS;
      return nanos;
    }
  }

  private static boolean isHash(String selector) {
    return selector.equals("ring_hash") || selector.equals("maglev");
  }
}
