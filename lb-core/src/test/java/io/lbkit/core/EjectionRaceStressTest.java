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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Passive ejections and their ends racing picks on real threads with the real clock: a server that
 * fails every request is ejected and readmitted over and over (1 to 4 ms ejections, the scheduler
 * ending them) while picker threads report outcomes and a membership thread re-weights servers.
 *
 * <p>The invariant: a pick never returns the failing server while it is continuously ejected. A
 * picker reads the server's state and ejection count, picks, then reads them again; if both reads
 * say EJECTED with the same count, the server was ejected through the whole pick (a readmission and
 * a new ejection in between would have raised the count), so every snapshot the pick could have
 * read excluded it (panic mode is off). Bounded by time (1.5 s of picking per selector) and stops
 * by itself.
 */
class EjectionRaceStressTest {
  private static final String BAD = "bad:1";

  // Load-aware selectors (least connections, least response time) are left out: they count
  // failures as load and stop picking the failing server by themselves, so it is rarely ejected
  // and the race would not be exercised.
  static Stream<Arguments> selectors() {
    return Stream.of(
        Arguments.of("round_robin", (Supplier<Selector>) Selectors::roundRobin),
        Arguments.of("weighted_round_robin", (Supplier<Selector>) Selectors::weightedRoundRobin),
        Arguments.of("random", (Supplier<Selector>) Selectors::random),
        Arguments.of("maglev", (Supplier<Selector>) Selectors::maglev));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("selectors")
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void ejectedServerIsNeverPickedWhileContinuouslyEjected(String name, Supplier<Selector> selector)
      throws InterruptedException {
    OutlierDetection detection =
        OutlierDetection.builder()
            .consecutiveFailures(3)
            .disableSuccessRate()
            .baseEjectionTime(Duration.ofMillis(1))
            .maxEjectionTime(Duration.ofMillis(4))
            .interval(Duration.ofMinutes(10)) // no decay of ejection counts during the test
            .maxEjectionPercent(100)
            .jitter(0)
            .build();
    List<Server> servers = new ArrayList<>();
    servers.add(Server.builder("bad", 1).build());
    for (int i = 0; i < 3; i++) {
      servers.add(Server.of("good" + i, 1));
    }
    try (LoadBalancer balancer =
        LoadBalancer.builder()
            .name(name)
            .selector(selector.get())
            .servers(servers)
            .outlierDetection(detection)
            .panicThreshold(0)
            .build()) {
      AtomicReference<String> violation = new AtomicReference<>();
      AtomicLong picksOfBad = new AtomicLong();
      AtomicLong checkedWhileEjected = new AtomicLong();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      int pickers = 3;
      CountDownLatch done = new CountDownLatch(pickers + 1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < pickers; t++) {
        threads.add(
            new Thread(
                () -> {
                  try {
                    while (System.nanoTime() < deadline && violation.get() == null) {
                      ServerStatus before = balancer.status(BAD).orElseThrow();
                      Pick pick = balancer.pick();
                      String picked = pick.server().id();
                      if (picked.equals(BAD)) {
                        picksOfBad.incrementAndGet();
                        ServerStatus after = balancer.status(BAD).orElseThrow();
                        if (before.state() == HealthState.EJECTED
                            && after.state() == HealthState.EJECTED
                            && before.recentEjections() == after.recentEjections()) {
                          violation.compareAndSet(
                              null, "picked while ejected: " + before + " / " + after);
                        }
                        pick.complete(Outcome.FAILURE);
                      } else {
                        if (before.state() == HealthState.EJECTED) {
                          checkedWhileEjected.incrementAndGet();
                        }
                        pick.complete(Outcome.SUCCESS);
                      }
                    }
                  } finally {
                    done.countDown();
                  }
                },
                "picker-" + t));
      }
      threads.add(
          new Thread(
              () -> {
                try {
                  int step = 0;
                  while (System.nanoTime() < deadline && violation.get() == null) {
                    String id = "good" + (step % 3) + ":1";
                    balancer.updateServer(
                        balancer.server(id).orElseThrow().withWeight(1 + (step % 4)));
                    step++;
                    Thread.onSpinWait();
                  }
                } finally {
                  done.countDown();
                }
              },
              "membership"));
      threads.forEach(Thread::start);
      assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();

      assertThat(violation.get()).isNull();
      // The race was really exercised: the bad server was ejected and readmitted many times, and
      // picks ran while it was ejected.
      assertThat(balancer.status(BAD).orElseThrow().recentEjections()).isGreaterThan(3);
      assertThat(picksOfBad.get()).isGreaterThan(3);
      assertThat(checkedWhileEjected.get()).isPositive();
      // Every pick was completed: nothing is left in flight.
      for (ServerStatus status : balancer.status()) {
        assertThat(status.inFlight()).as(status.server().id()).isZero();
      }
    }
  }
}
