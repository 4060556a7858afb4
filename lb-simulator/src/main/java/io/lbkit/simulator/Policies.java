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
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadMetric;
import io.lbkit.core.ProbingConfig;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The policies by name: every built-in lbkit selector (the real classes, through {@link
 * Selectors}); the two oracles, {@code jsq_oracle} and {@code clairvoyant_oracle}, which no client
 * can be; and two policies on stale global information for the herd scenario: {@code herd_stale}
 * (least loaded by the servers' last reports, the simulator's own naive rule) and {@code p2c_stale}
 * (lbkit's power of two choices, {@link Selectors#powerOfTwoChoices(LoadMetric)}, over a {@link
 * LoadMetric} that reads those reports). Hash selectors see no hash key here, so they pick at
 * random in proportion to weight. And {@code p2c_feedback}: lbkit's power of two choices over the
 * client's own in-flight count plus the queue length each server piggybacked on its last response
 * to this client (C3's feedback without its rate control), which a real client could implement with
 * a {@link LoadMetric} today if its servers sent their queue length back. {@code peak_ewma} is
 * Finagle's and Linkerd's balancer as lbkit offers it: power of two choices over {@link
 * LoadMetric#peakEwma()} (an estimate that decays towards zero), for comparison with least response
 * time. A name may carry health suffixes ({@link PolicySpec}).
 */
public final class Policies {
  private Policies() {}

  static final String STALE_P2C = "p2c_stale";
  static final String FEEDBACK_P2C = "p2c_feedback";
  static final String PROBE_P2C = "p2c_probe";

  /** The built-in probing selector's name. */
  static final String PROBING = "probing";

  private static final String PROBING_VARIANT = PROBING + "/";

  /** Whether this policy's selector is the probing selector (with its defaults or a variant). */
  static boolean isProbing(String selector) {
    String key = selector.toLowerCase(Locale.ROOT);
    return key.equals(PROBING) || key.startsWith(PROBING_VARIANT);
  }

  /** Whether {@code selector} names a policy: one of {@link #NAMES}, or a probing variant. */
  static boolean isKnown(String selector) {
    return NAMES.contains(selector.toLowerCase(Locale.ROOT)) || isProbing(selector);
  }

  /**
   * The probing settings of a variant such as {@code probing/q=0.6/r=1.5}: {@code q} the hot-cold
   * quantile, {@code r} the probes per request, {@code p} the pool's size, {@code a} the results'
   * maximum age in milliseconds; the others are the defaults.
   *
   * @throws IllegalArgumentException for an unknown or bad setting
   */
  static ProbingConfig probingConfig(String name) {
    ProbingConfig.Builder b = ProbingConfig.builder();
    for (String part : name.substring(PROBING_VARIANT.length()).split("/", -1)) {
      int eq = part.indexOf('=');
      String key = eq < 0 ? part : part.substring(0, eq);
      double value;
      try {
        value = Double.parseDouble(part.substring(eq + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad probing setting '" + part + "' in '" + name + "'");
      }
      switch (key) {
        case "q" -> b.hotQuantile(value);
        case "r" -> b.probesPerRequest(value);
        case "p" -> b.poolSize((int) value);
        case "a" -> b.maxAge(java.time.Duration.ofNanos(Math.round(value * 1e6)));
        default ->
            throw new IllegalArgumentException(
                "unknown probing setting '" + part + "' in '" + name + "'; known: q=, r=, p=, a=");
      }
    }
    return b.build();
  }

  /** Every policy name, in table order. */
  public static final ImmutableList<String> NAMES =
      ImmutableList.<String>builder()
          .addAll(Selectors.names()) // the built-in selectors, in lbkit's order
          .add(
              JoinShortestQueueOracle.NAME,
              ClairvoyantOracle.NAME,
              StaleHerdSelector.NAME,
              STALE_P2C,
              FEEDBACK_P2C,
              PROBE_P2C)
          .build();

  /**
   * A fresh selector for the balancer of client number {@code client}.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  static Selector create(String name, QueueView view, int client) {
    String key = name.toLowerCase(Locale.ROOT);
    if (key.startsWith(PROBING_VARIANT)) {
      return Selectors.probing(probingConfig(key));
    }
    if (Selectors.names().contains(key)) {
      return Selectors.byName(key); // every built-in selector, peak_ewma included
    }
    return switch (key) {
      case JoinShortestQueueOracle.NAME -> new JoinShortestQueueOracle(view);
      case ClairvoyantOracle.NAME -> new ClairvoyantOracle(view);
      case StaleHerdSelector.NAME -> new StaleHerdSelector(view);
      case STALE_P2C -> Selectors.powerOfTwoChoices(serverSide(view::reportedQueueLength));
      case PROBE_P2C -> Selectors.powerOfTwoChoices(serverSide(view::queueLength));
      case FEEDBACK_P2C ->
          Selectors.powerOfTwoChoices(
              (endpoint, now) ->
                  endpoint.inFlight() + view.feedbackQueueLength(client, endpoint.server()));
      default ->
          throw new IllegalArgumentException(
              "unknown policy '" + name + "'; known: " + String.join(", ", NAMES));
    };
  }

  /**
   * A load metric that reads only what the simulation knows of the server ({@code queue}), neither
   * in-flight counts nor latency: for power of two choices over probed or reported queues.
   */
  private static LoadMetric serverSide(ToDoubleFunction<Server> queue) {
    return new LoadMetric() {
      @Override
      public double load(Endpoint endpoint, long nowNanos) {
        return queue.applyAsDouble(endpoint.server());
      }

      @Override
      public boolean usesInFlight() {
        return false;
      }

      @Override
      public boolean usesLatency() {
        return false;
      }
    };
  }
}
