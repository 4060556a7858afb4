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

import static io.lbkit.core.LiveServers.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A polling source started on the caller's timer and blocking executor (as a gRPC name resolver
 * starts it): polls run on the blocking executor, never on the timer, never two at once even on a
 * pool of many threads; no thread of the source's own is started; close cancels the next poll and
 * shuts neither executor down.
 */
class PollingOnCallerExecutorsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ScheduledThreadPoolExecutor timer =
      new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "caller-timer"));
  private final ExecutorService blocking =
      Executors.newFixedThreadPool(4, r -> new Thread(r, "caller-blocking"));

  PollingOnCallerExecutorsTest() {
    timer.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void stop() {
    timer.shutdownNow();
    blocking.shutdownNow();
  }

  /** Counts its polls, the threads they ran on, and any two that overlapped. */
  private static final class CountingSource extends PollingServerSource {
    final AtomicInteger polls = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    volatile CountDownLatch gate = new CountDownLatch(0);

    CountingSource(Duration refresh) {
      super("counting", refresh, Duration.ofMillis(10));
    }

    @Override
    @SuppressWarnings("ThreadPriorityCheck") // yields on purpose, to invite an overlapping poll
    protected List<Server> poll() throws InterruptedException {
      if (running.incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      try {
        threads.add(Thread.currentThread().getName());
        gate.await(30, TimeUnit.SECONDS);
        Thread.yield(); // widens the window in which a second poll would overlap
        return List.of(Server.of("10.0.0.1", 80 + polls.incrementAndGet() % 2));
      } finally {
        running.decrementAndGet();
      }
    }
  }

  /** Records the deliveries. */
  private static final class Recorder implements ServerSource.Listener {
    final List<List<Server>> lists = new CopyOnWriteArrayList<>();

    @Override
    public void onServers(List<Server> servers) {
      lists.add(servers);
    }

    @Override
    public void onError(Throwable error) {
      throw new AssertionError(error);
    }
  }

  @Test
  void pollsRunOnTheBlockingExecutorOneAtATimeAndNoThreadOfTheSourceIsStarted()
      throws InterruptedException {
    CountingSource source = new CountingSource(Duration.ofMillis(10));
    Recorder recorder = new Recorder();
    ServerSource.Registration registration = source.start(recorder, timer, blocking);
    List<Thread> refreshers = new ArrayList<>();
    try {
      // Refreshes from several threads on top of the periodic polls: still one poll at a time.
      for (int i = 0; i < 3; i++) {
        @SuppressWarnings("ThreadPriorityCheck") // yields on purpose, to interleave the refreshes
        Thread t =
            new Thread(
                () -> {
                  while (source.polls.get() < 200) {
                    registration.refresh();
                    Thread.yield();
                  }
                });
        t.start();
        refreshers.add(t);
      }
      await(() -> "polls " + source.polls, WAIT, () -> source.polls.get() >= 200);
    } finally {
      registration.close();
      source.polls.set(Integer.MAX_VALUE / 2); // stops the refreshers
      for (Thread t : refreshers) {
        t.join(WAIT.toMillis());
      }
    }
    assertThat(source.overlaps).hasValue(0);
    assertThat(source.threads).containsOnly("caller-blocking");
    assertThat(recorder.lists).isNotEmpty();
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().equals("lbkit-discovery-counting"));
  }

  @Test
  void closeCancelsTheNextPollAndLeavesTheExecutorsRunning() throws Exception {
    CountingSource source = new CountingSource(Duration.ofHours(1));
    Recorder recorder = new Recorder();
    ServerSource.Registration registration = source.start(recorder, timer, blocking);
    await(() -> "deliveries " + recorder.lists, WAIT, () -> recorder.lists.size() == 1);
    await(() -> "timer queue " + timer.getQueue(), WAIT, () -> timer.getQueue().size() == 1);

    // A poll under way when the registration closes delivers nothing.
    source.gate = new CountDownLatch(1);
    registration.refresh();
    await(() -> "running " + source.running, WAIT, () -> source.running.get() == 1);
    registration.close();
    source.gate.countDown();
    await(() -> "running " + source.running, WAIT, () -> source.running.get() == 0);
    await(() -> "timer queue " + timer.getQueue(), WAIT, () -> timer.getQueue().isEmpty());
    assertThat(recorder.lists).hasSize(1);
    assertThat(timer.isShutdown()).isFalse();
    assertThat(blocking.isShutdown()).isFalse();
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose
  void executorsAreRequired() {
    CountingSource source = new CountingSource(Duration.ofSeconds(1));
    assertThatThrownBy(() -> source.start(new Recorder(), null, blocking))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("timer");
    assertThatThrownBy(() -> source.start(new Recorder(), timer, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("blockingExecutor");
  }
}
