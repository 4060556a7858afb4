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
package io.lbkit.benchmarks.sim;

import java.util.SplittableRandom;

/**
 * A service-time distribution. A request's base service time is drawn once, at its arrival, from
 * the simulation's own random stream, so every policy sees the same requests (common random
 * numbers); the server it lands on then scales it by that server's current multiplier.
 */
public interface ServiceTime {

  /** Draws one service time in nanoseconds, never negative. */
  long sampleNanos(SplittableRandom random);

  /** A short description for tables. */
  String describe();

  /** The mean in nanoseconds, as the clairvoyant oracle knows it. */
  double meanNanos();

  /** Exponential with the given mean. */
  static ServiceTime exponential(long meanNanos) {
    return new ServiceTime() {
      @Override
      public long sampleNanos(SplittableRandom random) {
        // 1 - nextDouble() is in (0, 1], so the logarithm is finite.
        return Math.round(-meanNanos * Math.log(1.0 - random.nextDouble()));
      }

      @Override
      public String describe() {
        return "exponential(mean " + meanNanos + " ns)";
      }

      @Override
      public double meanNanos() {
        return meanNanos;
      }
    };
  }

  /** Normal with the given median (= mean) and standard deviation, truncated at zero. */
  static ServiceTime normal(long medianNanos, long sdNanos) {
    return new ServiceTime() {
      @Override
      public long sampleNanos(SplittableRandom random) {
        return Math.max(0, Math.round(medianNanos + sdNanos * gaussian(random)));
      }

      @Override
      public String describe() {
        return "normal(median " + medianNanos + " ns, sd " + sdNanos + " ns)";
      }

      @Override
      public double meanNanos() {
        // The truncation at zero moves the mean negligibly for the distributions used here.
        return medianNanos;
      }
    };
  }

  /** Always the same time. */
  static ServiceTime constant(long nanos) {
    return new ServiceTime() {
      @Override
      public long sampleNanos(SplittableRandom random) {
        return nanos;
      }

      @Override
      public String describe() {
        return "constant(" + nanos + " ns)";
      }

      @Override
      public double meanNanos() {
        return nanos;
      }
    };
  }

  /**
   * A standard normal variate by the Box-Muller transform; written out rather than taken from
   * {@code Random.nextGaussian} so that the stream is defined by this code on every JDK.
   */
  private static double gaussian(SplittableRandom random) {
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }
}
