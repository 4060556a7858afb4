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

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The lbkit load-balancing policies for gRPC-Java, by name, and the keys under which addresses
 * carry their weight and zone.
 *
 * <p>The policies register themselves with gRPC when this module is on the class path; select one
 * by name:
 *
 * <pre>{@code
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("dns:///orders.internal:443")
 *     .defaultLoadBalancingPolicy(LbkitPolicies.LEAST_RESPONSE_TIME)
 *     .build();
 *
 * // or with settings, through a service config:
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("lbkit:///10.0.0.1:8080,10.0.0.2:8080")
 *     .defaultServiceConfig(LbkitPolicies.serviceConfig(LbkitPolicies.LEAST_CONNECTIONS,
 *         Map.of("outlierDetection", Map.of("consecutiveFailures", 5.0, "baseEjectionTime", "30s"),
 *                "slowStart", Map.of("window", "30s"))))
 *     .build();
 *
 * // consistent hashing on a request header (sticky sessions, cache affinity):
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("lbkit:///10.0.0.1:8080,10.0.0.2:8080")
 *     .defaultServiceConfig(LbkitPolicies.serviceConfig(LbkitPolicies.RING_HASH,
 *         Map.of("hashHeader", "x-session-id")))
 *     .build();
 * }</pre>
 *
 * <p>Each policy keeps one subchannel per address group; only READY subchannels receive calls.
 * Every call's outcome (its gRPC status and latency) is reported to lbkit, which feeds least
 * connections, peak EWMA, outlier detection and slow start. The JSON settings are documented in the
 * module's README; a bad setting makes the channel report the field by name.
 *
 * <p>gRPC's load-balancing API is experimental; see the README for the gRPC-Java versions this
 * module supports.
 *
 * @since 0.1.0
 */
public final class LbkitPolicies {
  /** Round robin over the ready subchannels, ignoring weights. */
  public static final String ROUND_ROBIN = "lbkit_round_robin";

  /** Smooth weighted round robin, weights from {@link #WEIGHT}. */
  public static final String WEIGHTED_ROUND_ROBIN = "lbkit_weighted_round_robin";

  /** Uniformly random. */
  public static final String RANDOM = "lbkit_random";

  /** Random in proportion to {@link #WEIGHT}. */
  public static final String WEIGHTED_RANDOM = "lbkit_weighted_random";

  /** The subchannel with the fewest calls in flight. */
  public static final String LEAST_CONNECTIONS = "lbkit_least_connections";

  /** The less loaded (in-flight calls per weight) of two random subchannels. */
  public static final String POWER_OF_TWO_CHOICES = "lbkit_power_of_two_choices";

  /**
   * Least response time (core's {@code least_response_time}): the server with the least expected
   * wait, in-flight calls first and latency as a bounded correction; a slow server gets its share
   * back within about one latency decay once it is fast again.
   */
  public static final String LEAST_RESPONSE_TIME = "lbkit_least_response_time";

  /**
   * Peak EWMA (core's {@code peak_ewma}), Finagle's and Linkerd's balancer: the cheaper of two
   * random subchannels by peak-sensitive latency estimate times calls in flight, the estimate
   * decaying towards zero. For comparison and migration; {@link #LEAST_RESPONSE_TIME} recovers a
   * server's share faster after a slow spell.
   */
  public static final String PEAK_EWMA = "lbkit_peak_ewma";

  /**
   * Probing (Prequal): each call probes a few servers for their load (lb-server's probe method,
   * over each server's own subchannel) and picks from the fresh answers by the hot-cold rule; every
   * call's ORCA trailer feeds the same pool. The servers need lb-server's interceptor and probe
   * service; {@code "probe": {"timeout": "0.1s"}} sets each probe's deadline.
   */
  public static final String PROBING = "lbkit_probing";

  /**
   * Consistent hashing on a ring of virtual nodes, by the value of the request header named by the
   * required {@code hashHeader} setting: calls with the same value go to the same server while it
   * is eligible, and a server that leaves moves only its own keys. A call without the header goes
   * to a random server (in proportion to weight).
   */
  public static final String RING_HASH = "lbkit_ring_hash";

  /**
   * Maglev consistent hashing by the value of the {@code hashHeader} request header: like {@link
   * #RING_HASH}, with a more even spread, at the cost of moving a few other keys when servers
   * change. A call without the header goes to a random server.
   */
  public static final String MAGLEV = "lbkit_maglev";

  /**
   * Consistent hashing with bounded loads by the value of the {@code hashHeader} request header: a
   * server takes a key's call only while its calls in flight stay within {@code (1 + epsilon)}
   * times its share of all calls in flight ({@code epsilon} 0.25 by default), otherwise the call
   * goes to the next server on the ring. A call without the header goes to a random server.
   */
  public static final String BOUNDED_LOAD_HASH = "lbkit_bounded_load_hash";

  /**
   * The weight of an {@link EquivalentAddressGroup}, a positive finite number (1 when absent), used
   * by the weighted policies and by slow start. The {@code lbkit:} name resolver sets it from the
   * target.
   */
  public static final Attributes.Key<Double> WEIGHT = Attributes.Key.create("io.lbkit.grpc.weight");

  /** The zone of an {@link EquivalentAddressGroup}, a non-blank string (none when absent). */
  public static final Attributes.Key<String> ZONE = Attributes.Key.create("io.lbkit.grpc.zone");

  private static final ImmutableSet<String> NAMES =
      ImmutableSet.of(
          ROUND_ROBIN,
          WEIGHTED_ROUND_ROBIN,
          RANDOM,
          WEIGHTED_RANDOM,
          LEAST_CONNECTIONS,
          POWER_OF_TWO_CHOICES,
          LEAST_RESPONSE_TIME,
          PEAK_EWMA,
          PROBING,
          RING_HASH,
          MAGLEV,
          BOUNDED_LOAD_HASH);

  private LbkitPolicies() {}

  /** Every policy name this module registers. */
  public static ImmutableSet<String> policyNames() {
    return NAMES;
  }

  /**
   * A service config selecting {@code policy} with its default settings, for {@code
   * ManagedChannelBuilder.defaultServiceConfig}.
   *
   * @throws IllegalArgumentException if the policy is not one of {@link #policyNames()}
   */
  public static Map<String, ?> serviceConfig(String policy) {
    return serviceConfig(policy, ImmutableMap.of());
  }

  /**
   * A service config selecting {@code policy} with these settings, for {@code
   * ManagedChannelBuilder.defaultServiceConfig}. Numbers may be given as any {@link Number}; they
   * are stored as {@code Double}, the only number type a service config map may hold.
   *
   * @throws IllegalArgumentException if the policy is unknown, or naming the bad field if the
   *     settings are invalid
   */
  public static Map<String, ?> serviceConfig(String policy, Map<String, ?> settings) {
    requireNonNull(policy, "policy");
    requireNonNull(settings, "settings");
    checkArgument(NAMES.contains(policy), "unknown policy '%s'; expected one of %s", policy, NAMES);
    @SuppressWarnings("unchecked") // json(Map) returns a map
    Map<String, ?> normalized = (Map<String, ?>) json(settings, "settings");
    try {
      LbkitConfigParser.parseAny(policy, normalized);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("invalid " + policy + " config: " + e.getMessage(), e);
    }
    return ImmutableMap.of(
        "loadBalancingConfig", ImmutableList.of(ImmutableMap.of(policy, normalized)));
  }

  /**
   * An address group with a weight and, if not null, a zone, as a custom name resolver would return
   * it.
   *
   * @throws IllegalArgumentException if the weight is not positive and finite or the zone blank
   */
  public static EquivalentAddressGroup addressGroup(
      SocketAddress address, double weight, @Nullable String zone) {
    requireNonNull(address, "address");
    checkArgument(
        weight > 0 && Double.isFinite(weight),
        "weight must be a positive finite number but was %s",
        weight);
    Attributes.Builder attrs = Attributes.newBuilder().set(WEIGHT, weight);
    if (zone != null) {
      checkArgument(!zone.isBlank(), "zone must not be blank");
      attrs.set(ZONE, zone);
    }
    return new EquivalentAddressGroup(address, attrs.build());
  }

  /** A deep copy with every number as a Double, refusing what JSON cannot hold. */
  private static Object json(@Nullable Object value, String path) {
    if (value instanceof Map) {
      ImmutableMap.Builder<String, Object> out = ImmutableMap.builder();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        checkArgument(e.getKey() instanceof String, "%s has a non-string key %s", path, e.getKey());
        String key = (String) e.getKey();
        out.put(key, json(e.getValue(), path + "." + key));
      }
      return out.buildOrThrow();
    }
    if (value instanceof List) {
      ImmutableList.Builder<Object> out = ImmutableList.builder();
      List<?> list = (List<?>) value;
      for (int i = 0; i < list.size(); i++) {
        out.add(json(list.get(i), path + "[" + i + "]"));
      }
      return out.build();
    }
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    checkArgument(
        value instanceof String || value instanceof Boolean,
        "%s must be a map, list, string, number or boolean but was %s",
        path,
        value);
    return requireNonNull(value);
  }
}
