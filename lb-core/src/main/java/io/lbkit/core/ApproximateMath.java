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

/**
 * The logarithm and exponential that least response time's cost needs on the pick path, to about
 * four to five significant digits, inline instead of through {@link Math#log} and {@link Math#exp}.
 *
 * <p>Why: the JIT compiles those two to calls of out-of-line stub routines, which a profile of the
 * full pick path at three servers put at a tenth of its time (each slow idle server costs both on
 * every pick). A cost compares servers whose estimates differ by their own noise, far more than
 * 10<sup>-5</sup>, so the precision lost changes no choice worth making; what a cost needs is kept
 * exactly: {@code log2(1) == 0} and {@code expNegative(0) == 1} (a server at the edge of the band
 * costs exactly what one inside it does, and a fresh estimate is not decayed), and {@link #log2}
 * does not decrease as its argument grows (but for rounding in the last place), so a slower server
 * never costs less.
 */
final class ApproximateMath {
  private ApproximateMath() {}

  private static final double TWO_OVER_LN2 = 2 / Math.log(2);

  private static final double LOG2_E = 1 / Math.log(2);

  private static final double LN2 = Math.log(2);

  private static final long EXPONENT_BITS = 0x7FF0_0000_0000_0000L;

  private static final long MANTISSA_BITS = 0x000F_FFFF_FFFF_FFFFL;

  private static final long ONE_BITS = 0x3FF0_0000_0000_0000L;

  /**
   * log2(x) for x at least 1, within 2 x 10<sup>-5</sup> of the exact value (absolute), exactly 0
   * at 1. NaN and infinity are returned as they are; the caller keeps x at least 1.
   */
  static double log2(double x) {
    long bits = Double.doubleToRawLongBits(x);
    if ((bits & EXPONENT_BITS) == EXPONENT_BITS) {
      return x; // NaN or infinity
    }
    // x = m * 2^e with m in [1, 2): log2(x) = e + log2(m).
    int exponent = (int) (bits >>> 52) - 1023;
    double m = Double.longBitsToDouble((bits & MANTISSA_BITS) | ONE_BITS);
    // ln(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + s^7/7 + ...) with s = (m - 1) / (m + 1) in
    // [0, 1/3): cut after s^7, the error is below 2 (1/3)^9 / 9 / (1 - 1/9) < 1.3e-5 in ln(m),
    // 1.9e-5 in log2. Every term grows with m and the cut only lowers the sum, so the result does
    // not decrease within a power of two (but for rounding in the last place) and stays below the
    // exact value at its top end: the next power of two, exact, is higher still.
    double s = (m - 1) / (m + 1);
    double s2 = s * s;
    double series = s * (1 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7))));
    return exponent + series * TWO_OVER_LN2;
  }

  /**
   * exp(-t) for t at least 0, within 4 x 10<sup>-5</sup> of the exact value (relative: about the
   * precision of a packed latency estimate, 2<sup>-16</sup>), exactly 1 at 0, and 0 once the exact
   * value falls below about 10<sup>-307</sup>. NaN is returned as it is.
   */
  static double expNegative(double t) {
    // exp(-t) = 2^-y with y = t log2(e) = k + f, k whole and f in [0, 1): 2^-k exactly from the
    // exponent bits, 2^-f = exp(w) with w = -f ln 2 in (-0.7, 0] by its Taylor series cut after
    // the sixth power (error below 0.7^7 / 7! < 1.7e-5, relative to 2^-f >= 1/2 below 3.3e-5).
    double y = t * LOG2_E;
    if (y < 1022) {
      if (y <= 0) {
        return 1; // t = 0; a negative t (not expected) is not grown either
      }
      int k = (int) y;
      double w = (k - y) * LN2;
      // Estrin's scheme: the powers and the pairs of terms are computed side by side, so that the
      // chain of dependent multiplications is three long instead of six (this runs on the pick
      // path, where that chain is what a slow server costs).
      double w2 = w * w;
      double p =
          (1 + w)
              + w2 * (1.0 / 2 + w * (1.0 / 6))
              + (w2 * w2) * ((1.0 / 24 + w * (1.0 / 120)) + w2 * (1.0 / 720));
      return p * Double.longBitsToDouble((long) (1023 - k) << 52);
    }
    return y >= 1022 ? 0 : y; // NaN stays NaN
  }
}
