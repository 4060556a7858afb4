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
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Zone-aware routing as a decorator over any selector: keeps requests in the client's zone while
 * that zone is as healthy as the whole, and spills the excess over to the other zones in proportion
 * when it is less healthy. See {@link Selectors#zoneAware(String, Selector, double, int)} for the
 * rule and how it compares with Envoy's.
 *
 * <p>Each snapshot is split by {@link Server#zone()} (servers without a zone form one group of
 * their own) and every group gets its own picker from the base selector, so any base algorithm
 * composes with zones without a class per combination. When the local zone keeps all traffic the
 * decorator returns the local zone's base picker itself, so the healthy case costs nothing per
 * pick.
 *
 * <p>A zone's capacity (its expected share) is the total {@link Server#weight()} of its servers in
 * the balancer's membership ({@link PickerInputs#servers()}), eligible or not; under a {@linkplain
 * SubsetSelector subset decorator}, of the subset's members. The decorator keeps no state of its
 * own; each zone's base picker gets the zone's {@linkplain PickerInputs#part part} of the inputs,
 * so a base with state (a rotation) keeps it per balancer and per zone.
 */
final class ZoneAwareSelector implements Selector {
  /** The group of servers that have no zone; no real zone is blank. */
  static final String UNKNOWN_ZONE = "";

  private static final Object ALL_ZONES = new Object();

  private final String localZone;
  private final Selector base;
  private final double overprovisioningFactor;
  private final int minClusterSize;

  ZoneAwareSelector(
      String localZone, Selector base, double overprovisioningFactor, int minClusterSize) {
    requireNonNull(localZone, "localZone");
    checkArgument(!localZone.isBlank(), "localZone must not be blank but was '%s'", localZone);
    checkArgument(
        overprovisioningFactor >= 1.0 && Double.isFinite(overprovisioningFactor),
        "overprovisioningFactor must be a finite number >= 1 but was %s",
        overprovisioningFactor);
    checkArgument(minClusterSize >= 1, "minClusterSize must be >= 1 but was %s", minClusterSize);
    this.localZone = localZone;
    this.base = requireNonNull(base, "base");
    this.overprovisioningFactor = overprovisioningFactor;
    this.minClusterSize = minClusterSize;
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    Map<String, List<Endpoint>> byZone = new LinkedHashMap<>();
    for (Endpoint e : endpoints) {
      byZone.computeIfAbsent(zoneOf(e.server()), z -> new ArrayList<>()).add(e);
    }
    Map<String, Double> capacity = new LinkedHashMap<>();
    for (Server server : inputs.servers()) {
      capacity.merge(zoneOf(server), server.weight(), Double::sum);
    }

    if (endpoints.size() < minClusterSize) {
      // Envoy's min_cluster_size: too few servers for zones to matter; spread over all of them.
      return base(inputs.part(ALL_ZONES, endpoints, server -> true));
    }
    List<Endpoint> local = byZone.get(localZone);
    if (byZone.size() == 1) {
      String only = byZone.keySet().iterator().next();
      return zonePicker(inputs, endpoints, only);
    }

    double localWeight = local == null ? 0 : sumWeights(local);
    double remoteWeight = 0;
    for (Map.Entry<String, List<Endpoint>> group : byZone.entrySet()) {
      if (!group.getKey().equals(localZone)) {
        remoteWeight += sumWeights(group.getValue());
      }
    }
    double localProbability = 0;
    if (local != null) {
      double capacityTotal = 0;
      for (double c : capacity.values()) {
        capacityTotal += c;
      }
      double expected = capacity.getOrDefault(localZone, 0.0) / capacityTotal;
      double actual = localWeight / (localWeight + remoteWeight);
      localProbability = Math.min(1.0, overprovisioningFactor * actual / expected);
      if (localProbability >= 1.0) {
        return zonePicker(inputs, local, localZone);
      }
    }

    // Spill over: local with localProbability, the rest to the other zones by eligible weight.
    List<Picker> pickers = new ArrayList<>();
    List<Double> thresholds = new ArrayList<>();
    double cumulative = 0;
    if (local != null) {
      pickers.add(zonePicker(inputs, local, localZone));
      cumulative = localProbability;
      thresholds.add(cumulative);
    }
    for (Map.Entry<String, List<Endpoint>> group : byZone.entrySet()) {
      if (group.getKey().equals(localZone)) {
        continue;
      }
      pickers.add(zonePicker(inputs, group.getValue(), group.getKey()));
      cumulative += (1.0 - localProbability) * sumWeights(group.getValue()) / remoteWeight;
      thresholds.add(cumulative);
    }
    double[] bounds = new double[thresholds.size()];
    for (int i = 0; i < bounds.length; i++) {
      bounds[i] = thresholds.get(i);
    }
    return new SpillPicker(pickers.toArray(new Picker[0]), bounds, inputs.random());
  }

  private static String zoneOf(Server server) {
    return server.zone().orElse(UNKNOWN_ZONE);
  }

  /** The base's picker over one zone's endpoints, with that zone's members and state. */
  private Picker zonePicker(PickerInputs inputs, List<Endpoint> endpoints, String zone) {
    return base(inputs.part(zone, endpoints, server -> zoneOf(server).equals(zone)));
  }

  private Picker base(PickerInputs part) {
    Picker picker = base.newPicker(part);
    if (picker == null) {
      throw new IllegalStateException(base.name() + " returned no picker");
    }
    return picker;
  }

  @Override
  public boolean usesInFlightTotal() {
    return base.usesInFlightTotal();
  }

  private static double sumWeights(List<Endpoint> endpoints) {
    double sum = 0;
    for (Endpoint e : endpoints) {
      sum += e.weight();
    }
    return sum;
  }

  @Override
  public boolean usesInFlight() {
    return base.usesInFlight();
  }

  @Override
  public boolean usesLatency() {
    return base.usesLatency();
  }

  @Override
  public String name() {
    return "zone_aware(" + localZone + ", " + base.name() + ")";
  }

  /**
   * Chooses a zone at random by precomputed cumulative probabilities, then asks that zone's picker.
   * A request with a hash key chooses its zone from the (remixed) key instead, so that keyed
   * requests keep their zone, and so their server, while the split stays the same.
   */
  private static final class SpillPicker implements Picker {
    private final Picker[] pickers;
    private final double[] bounds;
    private final RandomGenerator random;

    SpillPicker(Picker[] pickers, double[] bounds, RandomGenerator random) {
      this.pickers = pickers;
      this.bounds = bounds;
      this.random = random;
    }

    @Override
    public Endpoint pick(long nowNanos) {
      return pickers[index(random.nextDouble())].pick(nowNanos);
    }

    @Override
    public Endpoint pick(PickContext context, long nowNanos) {
      double u = context.hasHashKey() ? unit(context.hashKey()) : random.nextDouble();
      return pickers[index(u)].pick(context, nowNanos);
    }

    private int index(double u) {
      int last = bounds.length - 1;
      for (int i = 0; i < last; i++) {
        if (u < bounds[i]) {
          return i;
        }
      }
      // The last zone also takes what rounding leaves above its bound.
      return last;
    }

    /**
     * A uniform number in [0, 1) from a hash key, remixed (Murmur3's finalizer) so that the zone
     * choice is independent of where the base selector puts the key inside the zone.
     */
    private static double unit(long key) {
      long h = key ^ 0x9E3779B97F4A7C15L;
      h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
      h = (h ^ (h >>> 33)) * 0xC4CEB9FE1A85EC53L;
      h ^= h >>> 33;
      return (h >>> 11) * 0x1.0p-53;
    }
  }
}
