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

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * How often the pick path reads the clock, counted through a ticker that reads real time: a
 * selector that ignores latency never reads it for a pick or its report, except that a selector
 * that counts requests in flight refreshes the coarse clock on one pick in 64 of each server (see
 * {@link Accounting}). Selectors that time requests read it at most twice per request (start and
 * end).
 */
class ClockReadsTest {
  private static final int PICKS = 64 * 100;
  private static final int SERVERS = 10;

  /** The system ticker, counting its reads. */
  static final class CountingTicker extends Ticker implements Accounting.RealTime {
    final AtomicLong reads = new AtomicLong();

    @Override
    public long read() {
      reads.incrementAndGet();
      return System.nanoTime();
    }
  }

  @Test
  void selectorsThatIgnoreLatencyReadTheClockAtMostOncePer64Picks() {
    List<String> checked = new ArrayList<>();
    for (String name : Selectors.names()) {
      Selector selector = Selectors.byName(name);
      if (selector.usesLatency()) {
        continue;
      }
      checked.add(name);
      CountingTicker ticker = new CountingTicker();
      List<Server> servers = new ArrayList<>();
      for (int i = 0; i < SERVERS; i++) {
        servers.add(Server.builder("s" + i, 80).weight(1 + i % 3).build());
      }
      LoadBalancer lb =
          LoadBalancer.builder().selector(selector).ticker(ticker).servers(servers).build();
      long before = ticker.reads.get();
      for (int i = 0; i < PICKS; i++) {
        Pick p = lb.pick();
        p.complete(Outcome.SUCCESS);
        long start = lb.pickStart();
        Endpoint e = lb.pickEndpoint(start);
        lb.complete(e, start, Outcome.SUCCESS);
      }
      long reads = ticker.reads.get() - before;
      if (selector.usesInFlight()) {
        // Each server's count of picks starts anywhere in 0..63: at most one more refresh each.
        assertThat(reads).as(name).isLessThanOrEqualTo(2 * PICKS / 64 + SERVERS);
      } else {
        assertThat(reads).as(name).isZero();
      }
      lb.close();
    }
    assertThat(checked).contains("round_robin", "random", "power_of_two_choices", "maglev");
  }

  @Test
  void aSelectorThatTimesRequestsReadsTheClockAtMostTwicePerRequest() {
    CountingTicker ticker = new CountingTicker();
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .ticker(ticker)
            .servers(List.of(Server.of("a", 80), Server.of("b", 80)))
            .build();
    long before = ticker.reads.get();
    for (int i = 0; i < 100; i++) {
      lb.pick().complete(Outcome.SUCCESS);
    }
    assertThat(ticker.reads.get() - before).isBetween(1L, 200L);
  }
}
