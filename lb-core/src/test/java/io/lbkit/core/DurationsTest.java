package io.lbkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void aDurationTooLongForNanosecondsIsATypedErrorNamingTheSetting() {
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
    assertThatThrownBy(() -> OutlierDetection.builder().baseEjectionTime(huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("baseEjectionTime")
        .hasMessageContaining(huge.toString());
    assertThatThrownBy(() -> ActiveHealthCheck.builder(HealthCheckers.tcp()).interval(huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("health check interval");
  }

  @Test
  void boundsAreInclusive() {
    assertThat(Durations.checkPositive(Duration.ofMillis(1), "x")).isEqualTo(Duration.ofMillis(1));
    Duration max = Duration.ofNanos(Long.MAX_VALUE);
    assertThat(Durations.checkPositive(max, "x")).isEqualTo(max);
    assertThatThrownBy(() -> Durations.checkPositive(Duration.ofNanos(999_999), "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x must be at least 1 ms");
    assertThatThrownBy(() -> Durations.checkPositive(Duration.ZERO, "x"))
        .hasMessageContaining("x must be positive");
  }
}
