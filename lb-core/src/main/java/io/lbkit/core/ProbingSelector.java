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

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probing (Prequal, NSDI 2024): picks by the load servers report about themselves, asked for off
 * the request path, instead of by what this client alone has seen. See {@link
 * Selectors#probing(ProbingConfig)} for the rule; the pool and its concurrency are in {@link
 * ProbePool}.
 *
 * <p>Cold results are ranked by (latency + age) times (RIF + 1), not by latency alone as in
 * Prequal's paper. A report's RIF is as fresh as the probe, but its latency is the median of the
 * server's recent requests at that RIF, and lags a change of the server's speed by about its
 * window: a server that has just slowed down still reports its old latency while its queue grows.
 * By latency alone it kept winning picks until its RIF crossed the hot threshold; weighted by its
 * queue it loses them as the queue grows. Measured (the simulator's README and the benchmarks'
 * end-to-end run): with one client on ten real servers whose speeds change every 300 ms, latency
 * alone at the 0.8 quantile gave a p99 of 166-194 ms against 121 ms with the RIF factor; in the
 * simulator, S4's p99.9 fell by 6-8% and S5's rose by about 14% against latency alone at the same
 * settings.
 *
 * <p>The result's age (since its probe was sent, or since the response that carried it) is added to
 * its latency: the results a pool keeps longest are the ones no pick wanted, and their servers have
 * moved on since, so among similar results the newest wins, and an old one wins only if it promises
 * a clearly shorter wait. The age is in the latency's own unit, so no scale is tuned to one
 * service's speed. In the simulator, with servers' reports on their responses as well as on probes
 * (as lb-server sends them), it took S4's p99.9 from 130-132 to 121-122 ms on three seeds, S5's up
 * by 1-4% and S7's down by 1-3%; with probes alone, S4's fell by 2-7% and S5's rose by 1-2%.
 *
 * <p>A pick reads one volatile time (when a result was last added; nothing fresh, no scan), scans
 * the pool once (at most 64 slots, 8 by default) reading each result's immutable fields, takes a
 * single-use result by the compare-and-set that removes it (a reusable one counts its use by an
 * atomic add first), removes at most one more (a compare-and-set) and reads one volatile threshold:
 * lock-free, and allocation-free. One random draw per pick serves the removal's choice, the scan's
 * start and the first two probe targets.
 *
 * <p>Probes are started on the picking thread, after the pick has chosen its server: the transport
 * must not block (see {@link ProbeTransport}), and the start costs what the transport's
 * asynchronous call costs plus one completion stage. Started there rather than handed to a sender
 * thread because a hand-off would add a queue (which allocates per element as well), a thread per
 * balancer, and the hand-off's delay to every probe's age; Prequal starts its probes with each
 * query too. A balancer without a transport sends none and uses the reports of {@link
 * LoadBalancer#reportLoad} alone.
 */
final class ProbingSelector implements Selector {
  private static final Logger logger = LoggerFactory.getLogger(ProbingSelector.class);

  private final ProbingConfig config;
  private final Selector fallback =
      new PowerOfTwoChoicesSelector("power_of_two_choices", LoadMetric.weightedInFlight());

  ProbingSelector(ProbingConfig config) {
    this.config = requireNonNull(config, "config");
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    if (endpoints.size() == 1) {
      Endpoint only = endpoints.get(0);
      return now -> only;
    }
    ProbeLink link = inputs.probes();
    Accounting accounting = endpoints.get(0).accounting;
    ProbePool pool =
        inputs.state(
            this,
            () -> {
              ProbePool p = new ProbePool(config, inputs.random(), accounting.read());
              link.register(p);
              return p;
            });
    ProbePool.View view = pool.update(endpoints, inputs.servers(), accounting.read());
    return new ProbingPicker(
        pool, view, fallback.newPicker(inputs), inputs.random(), link.transport, accounting);
  }

  @Override
  public boolean usesInFlight() {
    return true; // the fallback's load, and the failure penalty that keeps sinkholes out
  }

  @Override
  public boolean usesLatency() {
    return false; // the servers report their latency
  }

  @Override
  public String name() {
    return "probing";
  }

  @Override
  public String toString() {
    return "probing" + config;
  }

  /** The picker of one snapshot. */
  static final class ProbingPicker implements Picker {
    private final ProbePool pool;
    private final ProbePool.View view;
    private final Picker fallback;
    private final RandomGenerator random;
    private final @Nullable ProbeTransport transport;
    private final Accounting accounting;
    private final double probesPerRequest;
    private final long probeIntervalNanos;
    private final long probeToleranceNanos;
    private final long maxAgeNanos;

    ProbingPicker(
        ProbePool pool,
        ProbePool.View view,
        Picker fallback,
        RandomGenerator random,
        @Nullable ProbeTransport transport,
        Accounting accounting) {
      this.pool = pool;
      this.view = view;
      this.fallback = fallback;
      this.random = random;
      this.transport = transport;
      this.accounting = accounting;
      this.probesPerRequest = pool.config.probesPerRequest();
      this.probeIntervalNanos = pool.config.minProbeIntervalNanos();
      this.probeToleranceNanos = pool.config.probeToleranceNanos();
      this.maxAgeNanos = pool.maxAgeNanos();
    }

    @Override
    public Endpoint pick(long now) {
      long bits = random.nextLong();
      Endpoint chosen = choose(now, bits);
      if (transport != null) {
        probe(now, bits);
      }
      return chosen;
    }

    /**
     * The hot-cold rule over the pool's fresh results of servers in this snapshot: the cold result
     * of lowest (latency + age) times (RIF + 1), else the hot one of lowest RIF; power of two
     * choices with fewer than two. A result is hot when its RIF (plus the requests routed on it,
     * plus the server's failure penalty) is above the threshold, or when its server failed
     * recently: a server that fails fast reports a low RIF and a low latency, and must not look
     * like the best cold server.
     */
    Endpoint choose(long now, long bits) {
      ProbePool.Result taken = take(now, bits);
      return taken == null ? fallback.pick(now) : view.endpoints[taken.target.index];
    }

    /**
     * The result the hot-cold rule routes this request on, counted as used (and removed when
     * spent), with the request's one removal done; null when fewer than two results are fresh.
     */
    ProbePool.@Nullable Result take(long now, long bits) {
      if (now - pool.newestSentNanos() > maxAgeNanos) {
        // No result added within the age limit, so none is fresh: skip the scan (a balancer whose
        // probes and reports have not started, or stopped).
        return null;
      }
      AtomicReferenceArray<ProbePool.@Nullable Result> slots = pool.slots();
      int hot = pool.hotRif();
      double decay = accounting.slowDecayNanos;
      ProbePool.Result bestCold = null;
      int bestColdSlot = -1;
      double bestColdScore = Double.MAX_VALUE;
      ProbePool.Result bestHot = null;
      int bestHotSlot = -1;
      long bestHotRif = Long.MAX_VALUE;
      ProbePool.Result oldest = null;
      int oldestSlot = -1;
      ProbePool.Result worst = null;
      int worstSlot = -1;
      boolean worstIsHot = false;
      double worstValue = -1;
      int fresh = 0;
      // From a random slot, so that ties (equal latencies, equal RIFs) go to a random result.
      int m = slots.length();
      int start = (int) ((((bits >>> 1) & 0xFFFF) * m) >>> 16);
      for (int k = 0; k < m; k++) {
        int i = start + k < m ? start + k : start + k - m;
        ProbePool.Result r = slots.get(i);
        if (r == null) {
          continue;
        }
        long age = now - r.sentNanos;
        if (age > maxAgeNanos) {
          slots.compareAndSet(i, r, null); // aged out
          continue;
        }
        Endpoint e = view.endpoint(r);
        if (e == null) {
          continue; // its server is not eligible in this snapshot (ejected, draining, gone)
        }
        fresh++;
        double penalty = e.stats.failurePenalty(now, decay);
        // A single-use result leaves the pool with its use, so it has no uses to read.
        long rif = (long) r.rif + (r.budget == 1 ? 0 : r.uses());
        if (penalty > 0) {
          rif += (long) Math.ceil(penalty);
        }
        if (oldest == null || r.sentNanos - oldest.sentNanos < 0) {
          oldest = r;
          oldestSlot = i;
        }
        if (rif > hot || penalty > 0) {
          if (rif < bestHotRif) {
            bestHot = r;
            bestHotSlot = i;
            bestHotRif = rif;
          }
          if (!worstIsHot || rif > worstValue) {
            worst = r;
            worstSlot = i;
            worstIsHot = true;
            worstValue = rif;
          }
        } else {
          // Ranked by (latency + age) times (RIF + 1), in double so that no report can overflow
          // it: the RIF is as fresh as the probe, while the latency is a median of the server's
          // recent requests and lags a change of speed, so a server whose queue grows loses the
          // pick before its latency shows it; and the older a result, the more its server has
          // changed since, so an old one must promise a shorter wait to win (see the class
          // comment). The age counts as at least 0: a result may be stamped a little after this
          // pick's time.
          double score = ((double) r.latencyNanos + Math.max(0, age)) * (rif + 1);
          if (bestCold == null || score < bestColdScore) {
            bestCold = r;
            bestColdSlot = i;
            bestColdScore = score;
          }
          if (!worstIsHot && score > worstValue) {
            worst = r;
            worstSlot = i;
            worstValue = score;
          }
        }
      }
      ProbePool.Result chosen = bestCold != null ? bestCold : bestHot;
      int chosenSlot = bestCold != null ? bestColdSlot : bestHotSlot;
      if (fresh < 2 || chosen == null || oldest == null || worst == null) {
        return null; // (with two fresh results, none of them is null)
      }
      // A single-use result (the default) is taken by the one compare-and-set that removes it;
      // a pick that loses that race to another routes on it all the same (a soft bound, as
      // below). A reusable one counts its use first, and the use that spends its budget removes it.
      if (chosen.budget == 1 || chosen.use() >= chosen.budget) {
        slots.compareAndSet(chosenSlot, chosen, null);
      }
      // One removal per request, the oldest and the worst in turn (chosen by a random bit, so that
      // picks share no counter), keeping at least two results for the rule to compare.
      if (fresh > 2) {
        if ((bits & 1) == 0) {
          slots.compareAndSet(oldestSlot, oldest, null);
        } else {
          slots.compareAndSet(worstSlot, worst, null);
        }
      }
      return chosen;
    }

    /**
     * Starts this request's probes: the whole part of probes per request, one more with the
     * fraction's probability, to distinct servers drawn at random, each only if its rate allows.
     * The first two targets come from the pick's random bits (bits 17 to 40 and 41 to 63; bit 0
     * chose the removal and bits 1 to 16 the scan's start); each further one is one draw from the
     * generator, among the servers other than the first two.
     */
    private void probe(long now, long bits) {
      int k = (int) probesPerRequest;
      double fraction = probesPerRequest - k;
      if (fraction > 0 && random.nextDouble() < fraction) {
        k++;
      }
      ProbePool.Target[] targets = view.inOrder;
      int n = targets.length; // at least 2: newPicker serves a single server without probing
      if (k == 0) {
        return;
      }
      // Uniform by multiply-shift over 24 and 23 bits (a bias below n / 2^23, 0.1% at 10,000
      // servers). The second is drawn from the n - 1 others, so the two are distinct.
      int a = (int) ((((bits >>> 17) & 0xFF_FFFFL) * n) >>> 24);
      ProbePool.@Nullable Target first = claim(targets[a], now);
      ProbePool.@Nullable Target second = null;
      int b = a;
      if (k >= 2) {
        b = (int) (((bits >>> 41) * (n - 1)) >>> 23);
        b = b >= a ? b + 1 : b;
        second = claim(targets[b], now);
      }
      // One clock read stamps all of a request's probes: they leave together, and a probe's age is
      // what counts.
      long sent = 0;
      boolean stamped = false;
      if (first != null || second != null) {
        sent = accounting.read();
        stamped = true;
        if (first != null) {
          send(first, sent);
        }
        if (second != null) {
          send(second, sent);
        }
      }
      int extra = Math.min(k, n) - 2;
      if (extra <= 0) {
        return;
      }
      // Each further target is drawn uniformly from the servers not drawn yet. The first extra
      // (the only one at the default three probes) is one draw among the n - 2 others: skipping
      // the first two's indexes in ascending order keeps it uniform. With up to 64 servers, a
      // later one is the r-th of the servers left, found in a bit set of them. Above 64 servers a
      // later one is drawn like the first and redrawn while its index modulo 64 (the shift masks
      // its count) is in the mask of the earlier extras: never a repeat; an index that only shares
      // its low bits with an earlier one is redrawn too, a slight bias that costs nothing else. At
      // most 14 extras (16 probes per request) mark at most 14 of the 64 bits, so with more than
      // 64 servers most indexes are free and a redraw is rare; the bound of 64 draws is a guard.
      int lo = Math.min(a, b);
      int hi = Math.max(a, b);
      long drawn = 0; // the extras drawn so far, by index modulo 64
      // With up to 64 servers: every server but the first two, as a bit set (unused above 64).
      long others = (n == 64 ? -1L : (1L << n) - 1) & ~(1L << a) & ~(1L << b);
      for (int j = 0; j < extra; j++) {
        int c = -1;
        if (j > 0 && n <= 64) {
          long left = others & ~drawn;
          long m = left;
          for (int r = random.nextInt(Long.bitCount(left)); r > 0; r--) {
            m &= m - 1; // drops the lowest server left
          }
          c = Long.numberOfTrailingZeros(m);
        } else {
          for (int tries = 0; tries < 64; tries++) {
            int d = random.nextInt(n - 2);
            d = d >= lo ? d + 1 : d;
            d = d >= hi ? d + 1 : d;
            if ((drawn & (1L << d)) == 0) {
              c = d;
              break;
            }
          }
          if (c < 0) {
            return;
          }
        }
        drawn |= 1L << c;
        ProbePool.@Nullable Target t = claim(targets[c], now);
        if (t != null) {
          if (!stamped) {
            sent = accounting.read();
            stamped = true;
          }
          send(t, sent);
        }
      }
    }

    /** The target if its rate allows a probe now (which is then claimed), else null. */
    private ProbePool.@Nullable Target claim(ProbePool.Target target, long now) {
      return target.claimProbe(now, probeIntervalNanos, probeToleranceNanos) ? target : null;
    }

    private void send(ProbePool.Target target, long sent) {
      ProbeTransport t = transport;
      if (t == null) {
        return;
      }
      Endpoint endpoint = view.endpoints[target.index];
      CompletionStage<LoadReport> stage;
      try {
        stage = t.probe(endpoint);
      } catch (RuntimeException e) {
        // A transport that throws instead of failing its stage must not fail the request.
        logger.debug("probe transport threw for {}", endpoint.server, e);
        return;
      }
      if (stage == null) {
        return;
      }
      ProbePool p = pool;
      Accounting clock = accounting;
      stage.whenComplete(
          (report, error) -> {
            if (report != null) {
              p.receive(target, report, sent, clock.read());
            }
          });
    }

    ProbePool pool() {
      return pool;
    }

    ProbePool.View view() {
      return view;
    }
  }
}
