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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several threads pick through the probing selector while probe answers arrive on other threads
 * (and inline, from already completed stages), reports ride on responses, and another thread
 * changes membership and health. Checked once everything has stopped:
 *
 * <ul>
 *   <li>no pick failed, and none that started after a server's removal returned it;
 *   <li>no server was probed more often than its rate allows, and no request started more probes
 *       than asked;
 *   <li>no result in the pool was routed on more than its reuse budget plus one per picking thread
 *       (the soft bound of racing uses);
 *   <li>every in-flight count is back to zero;
 *   <li>the hot threshold is one of the reported RIFs, and the threshold's recomputation is free to
 *       run again.
 * </ul>
 */
class ProbingStressTest {
  private static final int PICKERS = 3;
  private static final int SERVERS = 8;
  private static final long MIN_PICKS = 20_000;
  private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final long LONGEST_RUN_NANOS = TimeUnit.SECONDS.toNanos(15);

  @Test
  @Timeout(60)
  void picksProbesAndMembershipChangesKeepTheInvariants() throws Exception {
    // Moves 1 us per reading, so that the rate limit (one probe per 50 us) binds often.
    AtomicLong time = new AtomicLong(1_000_000_000L);
    com.google.common.base.Ticker ticker =
        new com.google.common.base.Ticker() {
          @Override
          public long read() {
            return time.addAndGet(1_000);
          }
        };
    ProbingConfig config =
        ProbingConfig.builder().probesPerRequest(2.5).maxProbeRatePerServer(20_000).build();
    long interval = config.minProbeIntervalNanos();
    ExecutorService answers = Executors.newFixedThreadPool(2);
    Map<String, ConcurrentLinkedQueue<Long>> probeTimes = new ConcurrentHashMap<>();
    AtomicLong probes = new AtomicLong();
    ProbeTransport transport =
        e -> {
          probes.incrementAndGet();
          probeTimes
              .computeIfAbsent(e.server().id(), k -> new ConcurrentLinkedQueue<>())
              .add(time.get());
          LoadReport report =
              LoadReport.of(
                  ThreadLocalRandom.current().nextInt(10),
                  ThreadLocalRandom.current().nextLong(1_000_000, 5_000_000));
          if (ThreadLocalRandom.current().nextBoolean()) {
            return CompletableFuture.completedFuture(report); // answered on the picking thread
          }
          return CompletableFuture.supplyAsync(() -> report, answers);
        };
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < SERVERS; i++) {
      servers.add(Server.of("s" + i, 80));
    }
    Server gone = Server.of("gone", 80);
    servers.add(gone);
    Selector probing = Selectors.probing(config);
    AtomicReference<Selector.@Nullable Picker> lastPicker = new AtomicReference<>();
    Selector capturing =
        new Selector() {
          @Override
          public Picker newPicker(PickerInputs inputs) {
            Picker p = probing.newPicker(inputs);
            lastPicker.set(p);
            return p;
          }

          @Override
          public boolean usesLatency() {
            return probing.usesLatency();
          }
        };
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(capturing)
            .servers(servers)
            .ticker(ticker)
            .probeTransport(transport)
            .build();
    AtomicBoolean removed = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong picks = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicLong goneAfterRemoval = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < PICKERS; t++) {
      threads.add(
          new Thread(
              () -> {
                try {
                  start.await();
                  while (!stop.get()) {
                    boolean afterRemoval = removed.get();
                    Pick p = lb.pick();
                    if (afterRemoval && p.server().equals(gone)) {
                      goneAfterRemoval.incrementAndGet();
                    }
                    picks.incrementAndGet();
                    // Some responses carry a report; some fail.
                    int draw = ThreadLocalRandom.current().nextInt(10);
                    if (draw == 0) {
                      p.failure();
                    } else {
                      p.success();
                    }
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              }));
    }
    @SuppressWarnings("ThreadPriorityCheck") // yields on purpose, to interleave with the pickers
    Thread changer =
        new Thread(
            () -> {
              try {
                start.await();
                lb.removeServer(gone.id());
                removed.set(true);
                int i = 0;
                while (!stop.get()) {
                  String id = "s" + (i++ % SERVERS) + ":80";
                  lb.setHealth(id, HealthState.UNHEALTHY);
                  Endpoint any = lb.eligibleEndpoints().get(0);
                  lb.reportLoad(any, LoadReport.of(i % 7, 2_000_000));
                  lb.setHealth(id, HealthState.HEALTHY);
                  Thread.yield();
                }
              } catch (Throwable e) {
                errors.add(e);
              }
            });
    threads.forEach(Thread::start);
    changer.start();
    long began = System.nanoTime();
    start.countDown();
    while (System.nanoTime() - began < LONGEST_RUN_NANOS
        && (System.nanoTime() - began < RUN_NANOS || picks.get() < MIN_PICKS)
        && errors.isEmpty()) {
      Thread.sleep(10); // polling for the end of the run, not waiting for a result
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    changer.join();
    answers.shutdown();
    assertThat(answers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    assertThat(errors).isEmpty();
    assertThat(picks.get()).isGreaterThan(1000);
    assertThat(goneAfterRemoval.get()).isZero();
    // Never more than three probes (2.5 per request: two, or three half the time) per pick.
    assertThat(probes.get()).isLessThanOrEqualTo(3 * picks.get());
    assertThat(probes.get()).isPositive();
    for (Map.Entry<String, ConcurrentLinkedQueue<Long>> e : probeTimes.entrySet()) {
      // Claimed at a pick's time, at the rate with a burst on top; the transport's own reading may
      // come a little later, so count rather than compare neighbours.
      List<Long> times = new ArrayList<>(e.getValue());
      long span =
          times.stream().mapToLong(Long::longValue).max().orElse(0)
              - times.stream().mapToLong(Long::longValue).min().orElse(0);
      assertThat((long) times.size())
          .as(e.getKey())
          .isLessThanOrEqualTo(span / interval + ProbingConfig.PROBE_BURST + 1);
    }
    // The pool's results: used at most their budgets plus one racing use per picker.
    Selector.Picker last = lastPicker.get();
    if (!(last instanceof ProbingSelector.ProbingPicker picker)) {
      throw new AssertionError("not a probing picker: " + last);
    }
    AtomicReferenceArray<ProbePool.@Nullable Result> slots = picker.pool().slots();
    for (int i = 0; i < slots.length(); i++) {
      ProbePool.Result r = slots.get(i);
      if (r != null) {
        assertThat(r.uses()).as(r.toString()).isLessThanOrEqualTo(r.budget + PICKERS);
      }
    }
    for (Endpoint e : lb.eligibleEndpoints()) {
      assertThat(e.inFlight()).as(e.toString()).isZero();
    }
    // The hot threshold is one of the reported RIFs (0 to 9), and the racing recomputations left
    // the scratch array's flag free: a full ring of new samples moves the threshold to them.
    ProbePool pool = picker.pool();
    assertThat(pool.hotRif()).isBetween(0, 9);
    ProbePool.Target target = picker.view().inOrder[0];
    for (int i = 0; i < ProbePool.RING; i++) {
      long now = ticker.read();
      pool.receive(target, LoadReport.of(50, 1_000_000), now, now);
    }
    assertThat(pool.hotRif()).isEqualTo(50);
    lb.close();
  }
}
