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

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import com.google.errorprone.annotations.Immutable;
import java.time.Duration;

/**
 * The settings of the probing selector ({@link Selectors#probing(ProbingConfig)}), after Google's
 * Prequal (NSDI 2024): how many probes each request sends, how many results the pool keeps and how
 * long, the quantile that splits hot servers from cold ones, and the most probes one server gets.
 * The defaults come from the balancing simulator's sweep (see the simulator's README).
 *
 * <pre>{@code
 * Selector probing = Selectors.probing(ProbingConfig.builder()
 *     .probesPerRequest(2)      // a third fewer probes than the default
 *     .build());
 * }</pre>
 *
 * @since 0.3.0
 */
@Immutable
public final class ProbingConfig {
  /**
   * Probes per request unless set: Prequal's 3. With the default pool and quantile, within 5% of
   * the best p99.9 of the simulator's sweep (quantiles 0.6-0.9 x 0.5-3 probes per request) in all
   * three swept scenarios on each of seeds 1 to 3: many clients on servers whose speed flips (S4),
   * Prequal's overload ramp (S5) and 50 clients that could herd (S7). Two probes per request cost a
   * third less; their p99.9 is within 2% of three probes' in S4 and S7 and 2% higher near overload
   * on average, but 7% above the sweep's best near overload on one seed. With servers that also
   * report on their responses (lb-server), even one probe per request keeps S4 at three probes'
   * p99.9, and costs 9% near overload.
   */
  public static final double DEFAULT_PROBES_PER_REQUEST = 3.0;

  /**
   * The pool's size unless set: 8, half of Prequal's 16. At three probes per request a request adds
   * about three results and uses or removes two, so the pool fills up, and a large one keeps older
   * results; 8 keeps the newest. The simulator's README has the sweep by pool size.
   */
  public static final int DEFAULT_POOL_SIZE = 8;

  /**
   * The hot-cold quantile unless set: 0.7. With the default rate and pool, 0.7 to 0.9 are all
   * within 5% of the simulator's sweep's best (at most 3.9%, 2.9% and 3.0% above it); on real
   * servers with one client (the benchmarks' end-to-end run), 0.8 let servers that had just slowed
   * down take picks (p99.9 154-198 ms against 121-126 ms at 0.7 in four runs each, interleaved; it
   * was 177-211 ms against 124-132 ms before a result's age counted in its rank). A higher one also
   * risks herding in a small fleet (see {@link Builder#hotQuantile}).
   */
  public static final double DEFAULT_HOT_QUANTILE = 0.7;

  /**
   * The most probes one server gets per second from one balancer, unless set: with the default
   * three probes per request, the cap binds only when one balancer sends a server more than about
   * 330 requests a second (see {@link Builder#maxProbeRatePerServer}).
   */
  public static final double DEFAULT_MAX_PROBE_RATE_PER_SERVER = 1000.0;

  /**
   * How many probes of one server may go out back to back within the rate: random draws bunch
   * probes together, and a strict spacing would refuse them even below the rate.
   */
  static final int PROBE_BURST = 4;

  /** The most requests routed on one probe result unless set: see the simulator's sweep. */
  public static final int DEFAULT_MAX_REUSE = 1;

  private static final ProbingConfig DEFAULTS = builder().build();

  private final double probesPerRequest;
  private final int poolSize;
  private final long maxAgeNanos;
  private final double hotQuantile;
  private final double maxProbeRatePerServer;
  private final int maxReuse;

  private ProbingConfig(Builder b) {
    this.probesPerRequest = b.probesPerRequest;
    this.poolSize = b.poolSize;
    this.maxAgeNanos = b.maxAge.toNanos();
    this.hotQuantile = b.hotQuantile;
    this.maxProbeRatePerServer = b.maxProbeRatePerServer;
    this.maxReuse = b.maxReuse;
  }

  /** The defaults. */
  public static ProbingConfig defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The mean number of probes each request sends, to distinct servers drawn at random: the whole
   * part always, one more with the probability of the fraction (1.5 sends one or two, half the time
   * each).
   */
  public double probesPerRequest() {
    return probesPerRequest;
  }

  /** How many probe results the pool holds at most. */
  public int poolSize() {
    return poolSize;
  }

  /** How long a probe result may be used after its probe was sent. */
  public Duration maxAge() {
    return Duration.ofNanos(maxAgeNanos);
  }

  long maxAgeNanos() {
    return maxAgeNanos;
  }

  /**
   * The quantile of the requests in flight (RIF) reported across servers above which a result is
   * hot: a request goes to the cold result of lowest (latency + age) times (RIF + 1), else to the
   * hot one of lowest RIF.
   */
  public double hotQuantile() {
    return hotQuantile;
  }

  /** The most probes per second one balancer sends to one server. */
  public double maxProbeRatePerServer() {
    return maxProbeRatePerServer;
  }

  /**
   * The most requests routed on one probe result: the cap on Prequal's reuse budget {@code max(1, 2
   * / ((1 - poolSize / servers) * probesPerRequest - 1))}, which has no bound of its own when the
   * pool can hold a result of most servers.
   */
  public int maxReuse() {
    return maxReuse;
  }

  /** The mean time between two probes of one server at the cap, in nanoseconds. */
  long minProbeIntervalNanos() {
    return (long) Math.ceil(1e9 / maxProbeRatePerServer);
  }

  /** How far ahead of now a server's probe schedule may run: the burst's tolerance. */
  long probeToleranceNanos() {
    return (PROBE_BURST - 1) * minProbeIntervalNanos();
  }

  @Override
  public String toString() {
    return "ProbingConfig{probesPerRequest="
        + probesPerRequest
        + ", poolSize="
        + poolSize
        + ", maxAge="
        + maxAge()
        + ", hotQuantile="
        + hotQuantile
        + ", maxProbeRatePerServer="
        + maxProbeRatePerServer
        + ", maxReuse="
        + maxReuse
        + '}';
  }

  /** Builds a {@link ProbingConfig}; each setting may be set once. */
  public static final class Builder {
    private double probesPerRequest = DEFAULT_PROBES_PER_REQUEST;
    private int poolSize = DEFAULT_POOL_SIZE;
    private Duration maxAge = Duration.ofSeconds(1);
    private double hotQuantile = DEFAULT_HOT_QUANTILE;
    private double maxProbeRatePerServer = DEFAULT_MAX_PROBE_RATE_PER_SERVER;
    private int maxReuse = DEFAULT_MAX_REUSE;
    private int set;

    private Builder() {}

    private void once(int bit, String setting) {
      checkState((set & bit) == 0, "%s was already set", setting);
      set |= bit;
    }

    /**
     * The mean number of probes per request ({@value #DEFAULT_PROBES_PER_REQUEST} by default).
     * Prequal's results hardly change above one per request and degrade below; each probe costs the
     * server a little work and the network a round trip.
     *
     * @throws IllegalArgumentException naming the value unless a finite number in [0.1, 16]
     */
    @CanIgnoreReturnValue
    public Builder probesPerRequest(double probes) {
      once(1, "probesPerRequest");
      checkArgument(
          probes >= 0.1 && probes <= 16,
          "probesPerRequest must be a number in [0.1, 16] but was %s",
          probes);
      this.probesPerRequest = probes;
      return this;
    }

    /**
     * How many probe results the pool holds at most ({@value #DEFAULT_POOL_SIZE} by default;
     * Prequal keeps 16). Each pick scans the pool. A larger pool keeps older results when probes
     * outnumber the results requests use (see {@link #DEFAULT_POOL_SIZE}).
     *
     * @throws IllegalArgumentException naming the value unless in [2, 64]
     */
    @CanIgnoreReturnValue
    public Builder poolSize(int size) {
      once(2, "poolSize");
      checkArgument(size >= 2 && size <= 64, "poolSize must be in [2, 64] but was %s", size);
      this.poolSize = size;
      return this;
    }

    /**
     * How long a probe result may be used after its probe was sent (1 s by default, as in Prequal).
     *
     * @throws IllegalArgumentException naming the value unless in [1 ms, 1 min]
     */
    @CanIgnoreReturnValue
    public Builder maxAge(Duration maxAge) {
      once(4, "maxAge");
      this.maxAge = Durations.check(maxAge, "probe maxAge", Durations.MIN, Duration.ofMinutes(1));
      return this;
    }

    /**
     * The hot-cold quantile ({@value #DEFAULT_HOT_QUANTILE} by default). Prequal's paper uses about
     * 0.84 and finds 0.6 to 0.9 good. In the simulator's sweep at the default rate and pool, 0.6 to
     * 0.9 are within 3% of each other with many clients (S4, S7) and 0.7 to 0.9 best near overload
     * (S5). A high quantile can let a small fleet herd: with two servers, the 0.9 quantile of the
     * reported RIFs can be the busier server's own, so a server reporting 40 requests in flight
     * against its peer's 0 counts as cold and can take picks on latency alone (it took all of them
     * in one test run at 0.9, with two probes per request, a pool of 16 and cold results ranked by
     * latency alone). Raise it only for fleets of many servers.
     *
     * @throws IllegalArgumentException naming the value unless a number in (0, 1)
     */
    @CanIgnoreReturnValue
    public Builder hotQuantile(double quantile) {
      once(8, "hotQuantile");
      checkArgument(
          quantile > 0 && quantile < 1, "hotQuantile must be in (0, 1) but was %s", quantile);
      this.hotQuantile = quantile;
      return this;
    }

    /**
     * The most probes per second one balancer sends to one server ({@value
     * #DEFAULT_MAX_PROBE_RATE_PER_SERVER} by default), with bursts of up to {@value #PROBE_BURST}
     * back to back. Probes already follow the requests ({@code probesPerRequest} each, to servers
     * drawn at random), so the cap matters only for a client that sends one server many requests:
     * it bounds what that client's probes cost the server. The default binds above about 330
     * requests a second from one balancer to one server at three probes per request (a former 200 a
     * second starved busy clients of results); a probe answer costs the server a counter read and a
     * median of a few recent samples, far less than a request. Where it binds, the requests the
     * capped probes do not cover pick by power of two choices on the client's own counts.
     *
     * @throws IllegalArgumentException naming the value unless a number in [0.01, 1,000,000]
     */
    @CanIgnoreReturnValue
    public Builder maxProbeRatePerServer(double perSecond) {
      once(16, "maxProbeRatePerServer");
      checkArgument(
          perSecond >= 0.01 && perSecond <= 1_000_000,
          "maxProbeRatePerServer must be a number of probes per second in [0.01, 1000000] but was"
              + " %s",
          perSecond);
      this.maxProbeRatePerServer = perSecond;
      return this;
    }

    /**
     * The most requests routed on one probe result ({@value #DEFAULT_MAX_REUSE} by default): the
     * cap on Prequal's reuse budget. Each request routed on a result adds one to its RIF, so a
     * reused result turns hot as it is used; but in the simulator, with many clients, results
     * reused up to 8 times herded the clients onto the servers that had looked best (S4's p99.9 330
     * ms against 150 ms with single use, S7's 320 ms against 150 ms); reuse pays with few clients
     * that probe rarely ({@code probesPerRequest} below 1).
     *
     * @throws IllegalArgumentException naming the value unless in [1, 1000]
     */
    @CanIgnoreReturnValue
    public Builder maxReuse(int uses) {
      once(32, "maxReuse");
      checkArgument(uses >= 1 && uses <= 1000, "maxReuse must be in [1, 1000] but was %s", uses);
      this.maxReuse = uses;
      return this;
    }

    /** The configuration. */
    public ProbingConfig build() {
      return new ProbingConfig(this);
    }
  }
}
