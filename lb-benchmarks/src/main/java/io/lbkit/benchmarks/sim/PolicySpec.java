package io.lbkit.benchmarks.sim;

import com.google.common.base.Splitter;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.SlowStart;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A policy name taken apart: the selector ({@link Policies}) and the balancer's health features,
 * given as suffixes: {@code least_response_time+od} adds outlier detection, {@code +ss} slow start,
 * in any order ({@code round_robin+od+ss}). Health belongs to the policy rather than the scenario
 * so that one table compares a selector with and without it.
 *
 * <p>Outlier detection is Envoy's defaults (5 consecutive failures, success-rate rule, 10 s
 * interval, 30 s base ejection, at most 10% of the servers ejected) with jitter 0: the jitter of
 * ejection times draws from an unseeded random source, which would make runs irreproducible. Slow
 * start is a linear 10 s ramp from 10% of the weight. Both run on simulated time through the
 * simulation's {@link VirtualScheduler}.
 *
 * @param selector the selector's name
 * @param outlierDetection whether outlier detection is on
 * @param slowStart whether slow start is on
 */
record PolicySpec(String selector, boolean outlierDetection, boolean slowStart) {

  /** The outlier detection of {@code +od}. */
  static final OutlierDetection OUTLIER_DETECTION = OutlierDetection.builder().jitter(0).build();

  /** The slow start of {@code +ss}. */
  static final SlowStart SLOW_START = SlowStart.of(Duration.ofSeconds(10));

  /**
   * Parses a policy name.
   *
   * @throws IllegalArgumentException for an unknown suffix
   */
  static PolicySpec parse(String policy) {
    List<String> parts =
        Splitter.on('+').trimResults().splitToList(policy.toLowerCase(Locale.ROOT));
    boolean od = false;
    boolean ss = false;
    for (String suffix : parts.subList(1, parts.size())) {
      switch (suffix) {
        case "od":
          od = true;
          break;
        case "ss":
          ss = true;
          break;
        default:
          throw new IllegalArgumentException(
              "unknown policy suffix '+" + suffix + "' in '" + policy + "'; known: +od, +ss");
      }
    }
    return new PolicySpec(parts.get(0), od, ss);
  }
}
