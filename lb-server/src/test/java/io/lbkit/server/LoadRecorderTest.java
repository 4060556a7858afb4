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
package io.lbkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoadRecorderTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final LoadRecorder recorder = LoadRecorder.create(Duration.ofSeconds(10), clock::get);

  @Test
  void countsRequestsInFlightAndReportsThem() {
    LoadRecorder.Request a = recorder.start();
    LoadRecorder.Request b = recorder.start();
    assertThat(a.arrivalRif()).isZero();
    assertThat(b.arrivalRif()).isEqualTo(1);
    assertThat(recorder.report().requestsInFlight()).hasValue(2);
    a.finish(false);
    a.finish(false); // a second finish counts nothing
    assertThat(recorder.requestsInFlight()).isEqualTo(1);
    b.finish(true);
    assertThat(recorder.report().requestsInFlight()).hasValue(0);
  }

  @Test
  void noLatencyBeforeAnyRequestFinished() {
    assertThat(recorder.report().latency()).isEmpty();
  }

  @Test
  void reportsTheMedianLatencyOfRequestsThatArrivedAtTheCurrentRif() {
    // At RIF 0 requests take 10 ms; at RIF 8-11 they take 200 ms.
    for (int i = 0; i < 5; i++) {
      LoadRecorder.Request r = recorder.start();
      clock.addAndGet(10_000_000L);
      r.finish(false);
    }
    List<LoadRecorder.Request> held = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      held.add(recorder.start());
    }
    for (int i = 0; i < 5; i++) {
      LoadRecorder.Request r = recorder.start(); // arrives at RIF 8
      clock.addAndGet(200_000_000L);
      r.finish(false);
    }
    assertThat(recorder.report().latency()).hasValue(Duration.ofMillis(200));
    held.forEach(r -> r.finish(false)); // one 1 s sample at RIF 0 beside five of 10 ms
    assertThat(recorder.report().latency()).hasValue(Duration.ofMillis(10));
  }

  @Test
  void poolsTheNearestRifLevelsWhenTheCurrentOneHasFewSamples() {
    for (int i = 0; i < 4; i++) {
      LoadRecorder.Request r = recorder.start();
      clock.addAndGet(30_000_000L);
      r.finish(false);
    }
    LoadRecorder.Request h1 = recorder.start();
    LoadRecorder.Request h2 = recorder.start(); // RIF 2: no sample there, RIF 0 is the nearest
    assertThat(recorder.report().latency()).hasValue(Duration.ofMillis(30));
    h1.finish(false);
    h2.finish(false);
  }

  @Test
  void samplesOlderThanTheMaxAgeAreForgotten() {
    LoadRecorder.Request r = recorder.start();
    clock.addAndGet(5_000_000L);
    r.finish(false);
    assertThat(recorder.report().latency()).hasValue(Duration.ofMillis(5));
    clock.addAndGet(Duration.ofMillis(10_100).toNanos());
    assertThat(recorder.report().latency()).isEmpty();
  }

  @Test
  void reportsRequestsAndErrorsPerSecond() {
    for (int i = 0; i < 30; i++) {
      recorder.start().finish(i % 3 == 0);
    }
    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    ServerLoad load = recorder.report();
    assertThat(load.rps()).isEqualTo(15.0);
    assertThat(load.eps()).isEqualTo(5.0);
    assertThat(load.memUtilization()).isBetween(0.0, 1.0);
    assertThat(load.cpuUtilization()).isBetween(0.0, 1.0);
  }

  @Test
  void rifLevelsFallIntoBucketsTwoPerPowerOfTwo() {
    assertThat(LatencyByRif.bucket(0)).isZero();
    assertThat(LatencyByRif.bucket(3)).isEqualTo(3);
    assertThat(LatencyByRif.bucket(4)).isEqualTo(4);
    assertThat(LatencyByRif.bucket(5)).isEqualTo(4);
    assertThat(LatencyByRif.bucket(6)).isEqualTo(5);
    assertThat(LatencyByRif.bucket(8)).isEqualTo(6);
    assertThat(LatencyByRif.bucket(12)).isEqualTo(7);
    assertThat(LatencyByRif.bucket(16)).isEqualTo(8);
    assertThat(LatencyByRif.bucket(Integer.MAX_VALUE)).isEqualTo(LatencyByRif.BUCKETS - 1);
  }

  @Test
  @SuppressWarnings("NullAway") // the point: a null argument
  void rejectsBadSampleAges() {
    assertThatThrownBy(() -> LoadRecorder.create(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT0S");
    assertThatThrownBy(() -> LoadRecorder.create(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> LoadRecorder.create(Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 1 day");
    assertThatThrownBy(() -> LoadRecorder.create(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("sampleMaxAge");
  }
}
