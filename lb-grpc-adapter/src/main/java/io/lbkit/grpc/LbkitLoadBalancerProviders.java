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
package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableMap;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.lbkit.core.Selector;
import io.lbkit.core.Selectors;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link LoadBalancerProvider}s of the lbkit policies, one per policy name, registered in
 * {@code META-INF/services/io.grpc.LoadBalancerProvider}.
 *
 * <p>The service loader needs public classes with public constructors, but they are no API: they
 * are nested in this package-private holder (as gRPC-Java does for its own policies) so that
 * applications select policies by name ({@link LbkitPolicies}) and never by class.
 */
final class LbkitLoadBalancerProviders {
  private LbkitLoadBalancerProviders() {}

  /** What every lbkit provider shares: the config parser and the balancer. */
  abstract static class Base extends LoadBalancerProvider {
    private final String policyName;
    private final Function<Map<String, ?>, LbkitConfig> parser;
    // The config of a channel that names the policy without settings, or why there is none.
    private final ConfigOrError defaultConfig;

    /** A policy of the selector lbkit knows by this name ({@link Selectors#byName}). */
    Base(String policyName, String selectorName) {
      this(
          json -> LbkitConfigParser.parse(policyName, () -> Selectors.byName(selectorName), json),
          policyName);
      // Fail at class loading, not at the first channel, if the name is not lbkit's.
      Selectors.byName(selectorName);
    }

    /** A policy of this selector, which lbkit need not know by name (a test's, say). */
    Base(String policyName, Supplier<Selector> selector) {
      this(json -> LbkitConfigParser.parse(policyName, selector, json), policyName);
    }

    Base(String policyName, HashKind hash) {
      this(json -> LbkitConfigParser.parseHash(policyName, hash, json), policyName);
    }

    private Base(Function<Map<String, ?>, LbkitConfig> parser, String policyName) {
      this.policyName = requireNonNull(policyName, "policyName");
      this.parser = parser;
      this.defaultConfig = parseLoadBalancingPolicyConfig(ImmutableMap.of());
    }

    @Override
    public boolean isAvailable() {
      return true;
    }

    /** gRPC's default priority: a name is registered by one provider only. */
    @Override
    public int getPriority() {
      return 5;
    }

    @Override
    public String getPolicyName() {
      return policyName;
    }

    @Override
    public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
      return new LbkitGrpcLoadBalancer(helper, defaultConfig);
    }

    /** Parses the policy's JSON object; a bad field yields an error naming it, never a throw. */
    @Override
    public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
      try {
        return ConfigOrError.fromConfig(parser.apply(rawConfig));
      } catch (RuntimeException e) {
        // ConfigException for bad fields; anything else would be a parser bug, still no throw.
        return ConfigOrError.fromError(
            Status.UNAVAILABLE
                .withDescription("invalid " + policyName + " config: " + e.getMessage())
                .withCause(e));
      }
    }
  }

  /** {@value LbkitPolicies#ROUND_ROBIN}. */
  public static final class RoundRobin extends Base {
    public RoundRobin() {
      super(LbkitPolicies.ROUND_ROBIN, "round_robin");
    }
  }

  /** {@value LbkitPolicies#WEIGHTED_ROUND_ROBIN}. */
  public static final class WeightedRoundRobin extends Base {
    public WeightedRoundRobin() {
      super(LbkitPolicies.WEIGHTED_ROUND_ROBIN, "weighted_round_robin");
    }
  }

  /** {@value LbkitPolicies#RANDOM}. */
  public static final class Random extends Base {
    public Random() {
      super(LbkitPolicies.RANDOM, "random");
    }
  }

  /** {@value LbkitPolicies#WEIGHTED_RANDOM}. */
  public static final class WeightedRandom extends Base {
    public WeightedRandom() {
      super(LbkitPolicies.WEIGHTED_RANDOM, "weighted_random");
    }
  }

  /** {@value LbkitPolicies#LEAST_CONNECTIONS}. */
  public static final class LeastConnections extends Base {
    public LeastConnections() {
      super(LbkitPolicies.LEAST_CONNECTIONS, "least_connections");
    }
  }

  /** {@value LbkitPolicies#POWER_OF_TWO_CHOICES}. */
  public static final class PowerOfTwoChoices extends Base {
    public PowerOfTwoChoices() {
      super(LbkitPolicies.POWER_OF_TWO_CHOICES, "power_of_two_choices");
    }
  }

  /** {@value LbkitPolicies#LEAST_RESPONSE_TIME}. */
  public static final class LeastResponseTime extends Base {
    public LeastResponseTime() {
      super(LbkitPolicies.LEAST_RESPONSE_TIME, "least_response_time");
    }
  }

  /** {@value LbkitPolicies#PEAK_EWMA}: core's {@code peak_ewma}, Finagle's balancer. */
  public static final class PeakEwma extends Base {
    public PeakEwma() {
      super(LbkitPolicies.PEAK_EWMA, "peak_ewma");
    }
  }

  /** {@value LbkitPolicies#PROBING}. */
  public static final class Probing extends Base {
    public Probing() {
      super(LbkitPolicies.PROBING, "probing");
    }
  }

  /** {@value LbkitPolicies#RING_HASH}. */
  public static final class RingHash extends Base {
    public RingHash() {
      super(LbkitPolicies.RING_HASH, HashKind.RING_HASH);
    }
  }

  /** {@value LbkitPolicies#MAGLEV}. */
  public static final class Maglev extends Base {
    public Maglev() {
      super(LbkitPolicies.MAGLEV, HashKind.MAGLEV);
    }
  }

  /** {@value LbkitPolicies#BOUNDED_LOAD_HASH}. */
  public static final class BoundedLoadHash extends Base {
    public BoundedLoadHash() {
      super(LbkitPolicies.BOUNDED_LOAD_HASH, HashKind.BOUNDED_LOAD_HASH);
    }
  }
}
