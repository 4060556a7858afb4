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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Every duration setting goes through one validation: a typed error naming the setting and the
 * value, never an {@link ArithmeticException} from the nanosecond conversion, and one range per
 * setting (at least 1 ms for everything that times something).
 */
class DurationsTest {
  private static final Duration HUGE = Duration.ofSeconds(Long.MAX_VALUE);
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  private record Setting(String name, Consumer<Duration> set) {}

  private static List<Setting> timedSettings() {
    return List.of(
        new Setting("in-flight expiry", d -> LoadBalancer.builder().inFlightExpiry(d)),
        new Setting(
            "latency model decay",
            d -> LoadBalancer.builder().latencyModel(d, 2.0, Duration.ofMillis(10))),
        new Setting("slow start window", SlowStart::of),
        new Setting("slow start window", d -> SlowStart.of(d, 2.0, 10)),
        new Setting(
            "health check interval",
            d -> ActiveHealthCheck.builder(HealthCheckers.tcp()).interval(d)),
        new Setting(
            "health check timeout",
            d -> ActiveHealthCheck.builder(HealthCheckers.tcp()).timeout(d)),
        new Setting("outlier detection interval", d -> OutlierDetection.builder().interval(d)),
        new Setting("baseEjectionTime", d -> OutlierDetection.builder().baseEjectionTime(d)),
        new Setting("maxEjectionTime", d -> OutlierDetection.builder().maxEjectionTime(d)));
  }

  private static List<Setting> settingsWhereZeroMeansNone() {
    return List.of(
        new Setting(
            "health check jitter", d -> ActiveHealthCheck.builder(HealthCheckers.tcp()).jitter(d)),
        new Setting(
            "latency model failure floor",
            d -> LoadBalancer.builder().latencyModel(Duration.ofSeconds(10), 2.0, d)));
  }

  @Test
  void durationsTooLongForNanosecondsAreTypedErrorsNamingTheSettingAndTheValue() {
    for (List<Setting> group : List.of(timedSettings(), settingsWhereZeroMeansNone())) {
      for (Setting s : group) {
        for (Duration bad : List.of(HUGE, MAX_NANOS, Duration.ofDays(400))) {
          assertThatThrownBy(() -> s.set().accept(bad))
              .as("%s = %s", s.name(), bad)
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining(s.name())
              .hasMessageContaining(bad.toString());
        }
        assertThatThrownBy(() -> s.set().accept(Duration.ofMillis(-1)))
            .as(s.name())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(s.name())
            .hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> s.set().accept(null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining(s.name());
      }
    }
  }

  @Test
  void everyTimedSettingNeedsAtLeastOneMillisecond() {
    for (Setting s : timedSettings()) {
      for (Duration tooShort :
          List.of(Duration.ZERO, Duration.ofNanos(1), Duration.ofNanos(999_999))) {
        assertThatThrownBy(() -> s.set().accept(tooShort))
            .as("%s = %s", s.name(), tooShort)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(s.name())
            .hasMessageContaining("[PT0.001S, ");
      }
      // Both bounds are inclusive.
      s.set().accept(Duration.ofMillis(1));
      s.set().accept(Duration.ofDays(1));
    }
    // The in-flight expiry alone goes up to a week: a long stream may legitimately run for days.
    LoadBalancer.builder().inFlightExpiry(Duration.ofDays(7));
    assertThatThrownBy(() -> LoadBalancer.builder().inFlightExpiry(Duration.ofDays(7).plusNanos(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT168H");
  }

  @Test
  void zeroIsAllowedWhereItMeansNone() {
    for (Setting s : settingsWhereZeroMeansNone()) {
      s.set().accept(Duration.ZERO);
      s.set().accept(Duration.ofDays(1));
    }
  }

  @Test
  void theLongestAcceptedSettingsBuildAWorkingBalancer() {
    Duration day = Duration.ofDays(1);
    LoadBalancer lb =
        LoadBalancer.builder()
            .selector(Selectors.leastResponseTime())
            .servers(Server.of("127.0.0.1", 1))
            .inFlightExpiry(Duration.ofDays(7))
            .latencyModel(day, 2.0, day)
            .slowStart(SlowStart.of(day))
            .outlierDetection(
                OutlierDetection.builder()
                    .interval(day)
                    .baseEjectionTime(day)
                    .maxEjectionTime(day)
                    .build())
            .healthCheck(
                ActiveHealthCheck.builder(HealthCheckers.tcp())
                    .interval(day)
                    .timeout(day)
                    .jitter(day)
                    .build())
            .build();
    try {
      try (Pick p = lb.pick()) {
        p.failure();
      }
      assertThat(lb.status("127.0.0.1:1")).isPresent();
    } finally {
      lb.close();
    }
  }
}
