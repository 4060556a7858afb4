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
package io.lbkit.simulator;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Ints;
import java.util.ArrayList;
import java.util.List;

/** Hand-made results for the tests of the goals and the reports: the one place that builds them. */
final class TestResults {
  private TestResults() {}

  private static final long MS = 1_000_000L;

  /** A builder for a result of {@code policy} on {@code scenario}, 10,000 successes by default. */
  static Builder result(String scenario, String policy) {
    return new Builder(scenario, policy);
  }

  /**
   * An interval of one second starting at {@code second}, with these picks per server; the timeouts
   * and errors are among the picked requests.
   */
  static Slice slice(int second, int timeouts, int errors, int... picks) {
    int requests = Ints.asList(picks).stream().mapToInt(Integer::intValue).sum();
    return new Slice(
        second * 1_000_000_000L,
        (second + 1) * 1_000_000_000L,
        requests,
        requests - timeouts - errors,
        timeouts,
        errors,
        5 * MS,
        timeouts > 0 ? 1000 * MS : 20 * MS,
        ImmutableList.copyOf(Ints.asList(picks)));
  }

  /** {@code count} one-second intervals from second 0, each made by {@code perSecond}. */
  static ImmutableList<Slice> timeline(int count, SliceMaker perSecond) {
    List<Slice> slices = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      slices.add(perSecond.make(i));
    }
    return ImmutableList.copyOf(slices);
  }

  /** Makes the interval of one second. */
  interface SliceMaker {
    Slice make(int second);
  }

  /** Builds a {@link Result}. */
  static final class Builder {
    private final String scenario;
    private final String policy;
    private int requests = 10_000;
    private int timeouts;
    private int errors;
    private double meanMillis = 1;
    private double p999Millis = 10;
    private ImmutableList<Double> shares = ImmutableList.of(0.5, 0.5);
    private ImmutableList<Slice> timeline = ImmutableList.of();

    private Builder(String scenario, String policy) {
      this.scenario = scenario;
      this.policy = policy;
    }

    Builder outcomes(int requests, int timeouts, int errors) {
      this.requests = requests;
      this.timeouts = timeouts;
      this.errors = errors;
      return this;
    }

    Builder meanMillis(double meanMillis) {
      this.meanMillis = meanMillis;
      return this;
    }

    Builder p999Millis(double p999Millis) {
      this.p999Millis = p999Millis;
      return this;
    }

    Builder shares(Double... shares) {
      this.shares = ImmutableList.copyOf(shares);
      return this;
    }

    Builder shares(List<Double> shares) {
      this.shares = ImmutableList.copyOf(shares);
      return this;
    }

    /** The timeline; the outcomes and shares become its sums. */
    Builder timeline(ImmutableList<Slice> timeline) {
      this.timeline = timeline;
      requests = timeline.stream().mapToInt(Slice::requests).sum();
      timeouts = timeline.stream().mapToInt(Slice::timeouts).sum();
      errors = timeline.stream().mapToInt(Slice::errors).sum();
      int servers = timeline.get(0).picks().size();
      long[] picks = new long[servers];
      long total = 0;
      for (Slice s : timeline) {
        for (int i = 0; i < servers; i++) {
          picks[i] += s.picks().get(i);
          total += s.picks().get(i);
        }
      }
      ImmutableList.Builder<Double> b = ImmutableList.builder();
      for (long p : picks) {
        b.add((double) p / total);
      }
      shares = b.build();
      return this;
    }

    /** The result; the ejections, which the goals do not read, are 0. */
    Result build() {
      return new Result(
          scenario,
          policy,
          1L,
          requests,
          requests - timeouts - errors,
          timeouts,
          errors,
          meanMillis * MS,
          Math.round(meanMillis * MS),
          Math.round(p999Millis * MS / 2),
          Math.round(p999Millis * MS),
          Math.round(p999Millis * MS * 2),
          shares,
          timeline,
          0,
          0.0);
    }
  }
}
