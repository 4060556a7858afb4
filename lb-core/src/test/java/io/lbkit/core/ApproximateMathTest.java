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
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link ApproximateMath} against {@link Math}: the precision and exact points it promises. */
class ApproximateMathTest {
  private static final double LN2 = Math.log(2);

  @Test
  void log2IsExactAtOneAndAtPowersOfTwo() {
    assertThat(ApproximateMath.log2(1.0)).isEqualTo(0.0);
    for (int e = 0; e <= 1023; e++) {
      assertThat(ApproximateMath.log2(Math.scalb(1.0, e))).isEqualTo(e);
    }
  }

  @Test
  void log2IsWithinTwoHundredThousandthsOfMathLog() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 200_000; i++) {
      // Uniform in log scale from 1 to 2^64, and densely just above 1 and just below powers of two.
      double x =
          switch (i % 3) {
            case 0 -> Math.pow(2, random.nextDouble(64));
            case 1 -> 1 + random.nextDouble(1e-3);
            default -> Math.scalb(2 - random.nextDouble(1e-3), random.nextInt(40));
          };
      assertThat(ApproximateMath.log2(x))
          .as("log2(%s)", x)
          .isCloseTo(Math.log(x) / LN2, within(2e-5));
    }
  }

  @Test
  void log2DoesNotDecrease() {
    // A dense walk over [1, 2^6] by steps of 1e-4 relative, and across every power of two to 2^60
    // from the largest double below it.
    double previous = ApproximateMath.log2(1.0);
    for (double x = 1.0; x < 64; x *= 1.0001) {
      double y = ApproximateMath.log2(x);
      assertThat(y).as("log2(%s)", x).isGreaterThanOrEqualTo(previous);
      previous = y;
    }
    for (int e = 1; e <= 60; e++) {
      double power = Math.scalb(1.0, e);
      assertThat(ApproximateMath.log2(Math.nextDown(power)))
          .isLessThan(ApproximateMath.log2(power));
    }
  }

  @Test
  void log2PassesNanAndInfinityThrough() {
    assertThat(ApproximateMath.log2(Double.NaN)).isNaN();
    assertThat(ApproximateMath.log2(Double.POSITIVE_INFINITY)).isEqualTo(Double.POSITIVE_INFINITY);
  }

  @Test
  void expNegativeIsExactlyOneAtZero() {
    assertThat(ApproximateMath.expNegative(0.0)).isEqualTo(1.0);
    assertThat(ApproximateMath.expNegative(-0.0)).isEqualTo(1.0);
    assertThat(ApproximateMath.expNegative(-5)).as("no growth for a negative age").isEqualTo(1.0);
  }

  @Test
  void expNegativeIsWithinFourHundredThousandthsOfMathExp() {
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < 200_000; i++) {
      double t =
          switch (i % 3) {
            case 0 -> random.nextDouble(700);
            case 1 -> random.nextDouble(1e-3);
            default -> random.nextInt(1, 700) * LN2 - random.nextDouble(1e-9);
          };
      double exact = Math.exp(-t);
      assertThat(ApproximateMath.expNegative(t))
          .as("exp(-%s)", t)
          .isCloseTo(exact, within(exact * 4e-5));
    }
  }

  @Test
  void expNegativeUnderflowsToZeroAndPassesNanThrough() {
    assertThat(ApproximateMath.expNegative(1e4)).isEqualTo(0.0);
    assertThat(ApproximateMath.expNegative(Double.POSITIVE_INFINITY)).isEqualTo(0.0);
    assertThat(ApproximateMath.expNegative(Double.NaN)).isNaN();
    // Just below the cut-off the result is still a normal double close to the exact one.
    double t = 1021.9 * LN2;
    assertThat(ApproximateMath.expNegative(t)).isCloseTo(Math.exp(-t), within(Math.exp(-t) * 4e-5));
  }
}
