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

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSetMultimap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Subsets (content-based routing) as a decorator over any selector: a {@link SubsetRule} maps each
 * request to the metadata it requires, and the request goes to the base selector's picker over the
 * endpoints whose metadata contain every required pair; a {@link SubsetFallback} says what happens
 * when there are none.
 *
 * <p>Subset pickers are built lazily, once per snapshot and required-metadata map, on the first
 * pick that needs them, and cached in a map created with the snapshot's picker: the first pick of a
 * subset in a snapshot allocates (the subset's list, its base picker, a cache entry); later picks
 * of it do not, apart from what a {@link SubsetRule#of function rule} itself allocates. Only
 * requirements that some eligible server could meet (each required pair occurs in the snapshot) are
 * cached, and at most {@value #MAX_CACHED_SUBSETS} of them, so requests carrying arbitrary values
 * cannot grow the cache; beyond that bound subsets are built per pick, correct but slower.
 */
final class SubsetSelector implements Selector {
  static final int MAX_CACHED_SUBSETS = 256;

  /** Cache key of the picker over every endpoint (the empty requirement). */
  private static final Object ALL = new Object();

  /** Cache key of the picker over the default subset. */
  private static final Object DEFAULT = new Object();

  private final SubsetRule rule;
  private final Selector base;
  private final SubsetFallback fallback;
  private final ImmutableMap<String, String> defaultSubset;

  SubsetSelector(
      SubsetRule rule,
      Selector base,
      SubsetFallback fallback,
      ImmutableMap<String, String> defaultSubset) {
    this.rule = requireNonNull(rule, "rule");
    this.base = requireNonNull(base, "base");
    this.fallback = requireNonNull(fallback, "fallback");
    this.defaultSubset = requireNonNull(defaultSubset, "defaultSubset");
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    return new SubsetPicker(inputs);
  }

  @Override
  public boolean usesInFlightTotal() {
    return base.usesInFlightTotal();
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
    return "subset(" + base.name() + ")";
  }

  private final class SubsetPicker implements RoutingPicker {
    private final PickerInputs inputs;
    private final ImmutableList<Endpoint> endpoints;

    /** Every metadata pair that occurs in this snapshot, to reject impossible requirements fast. */
    private final ImmutableSetMultimap<String, String> present;

    /** Required value (byAttribute rules) or map (function rules), or ALL / DEFAULT -> picker. */
    private final ConcurrentHashMap<Object, Picker> cache = new ConcurrentHashMap<>();

    SubsetPicker(PickerInputs inputs) {
      this.inputs = inputs;
      this.endpoints = inputs.endpoints();
      ImmutableSetMultimap.Builder<String, String> pairs = ImmutableSetMultimap.builder();
      for (Endpoint e : endpoints) {
        pairs.putAll(e.server().metadata().entrySet());
      }
      this.present = pairs.build();
    }

    @Override
    public Endpoint pick(long nowNanos) {
      return pick(PickContext.empty(), nowNanos);
    }

    @Override
    public Endpoint pick(PickContext context, long nowNanos) {
      return resolve(context).pick(context, nowNanos);
    }

    @Override
    public List<Endpoint> candidates(PickContext context) {
      ImmutableMap<String, String> required = required(context);
      if (required.isEmpty()) {
        return endpoints;
      }
      ImmutableList<Endpoint> subset = filter(required);
      if (!subset.isEmpty()) {
        return subset;
      }
      switch (fallback) {
        case ANY_ENDPOINT:
          return endpoints;
        case DEFAULT_SUBSET:
          ImmutableList<Endpoint> defaults = filter(defaultSubset);
          if (defaults.isEmpty()) {
            throw noMatch(required, ", nor the default subset " + defaultSubset);
          }
          return defaults;
        case NO_ENDPOINT:
        default:
          throw noMatch(required, "");
      }
    }

    /** The metadata a request requires, as {@link #resolve} derives it (a retry's path only). */
    private ImmutableMap<String, String> required(PickContext context) {
      String attribute = rule.attribute();
      if (attribute != null) {
        String value = context.attribute(attribute);
        return value == null ? ImmutableMap.of() : ImmutableMap.of(rule.metadataKey(), value);
      }
      return ImmutableMap.copyOf(rule.requiredMetadata(context));
    }

    private Picker resolve(PickContext context) {
      String attribute = rule.attribute();
      if (attribute != null) {
        String value = context.attribute(attribute);
        if (value == null) {
          return all();
        }
        Picker cached = cache.get(value);
        return cached != null ? cached : miss(value, ImmutableMap.of(rule.metadataKey(), value));
      }
      Map<String, String> required = rule.requiredMetadata(context);
      if (required.isEmpty()) {
        return all();
      }
      Picker cached = cache.get(required);
      if (cached != null) {
        return cached;
      }
      ImmutableMap<String, String> copy = ImmutableMap.copyOf(required);
      return miss(copy, copy);
    }

    private Picker miss(Object key, ImmutableMap<String, String> required) {
      for (Map.Entry<String, String> pair : required.entrySet()) {
        if (!present.containsEntry(pair.getKey(), pair.getValue())) {
          // Not cached: the value may come from the request, and could be anything.
          return fallback(required);
        }
      }
      ImmutableList<Endpoint> subset = filter(required);
      Picker picker = subset.isEmpty() ? fallback(required) : base(required, subset);
      return cache(key, picker);
    }

    private Picker cache(Object key, Picker picker) {
      if (cache.size() >= MAX_CACHED_SUBSETS) {
        return picker;
      }
      // Two threads may build the same subset at once; the first to publish wins, so every pick
      // of this snapshot uses one picker per subset from then on.
      Picker previous = cache.putIfAbsent(key, picker);
      return previous != null ? previous : picker;
    }

    private Picker all() {
      Picker cached = cache.get(ALL);
      if (cached != null) {
        return cached;
      }
      Picker built = base(ImmutableMap.of(), endpoints);
      Picker previous = cache.putIfAbsent(ALL, built);
      return previous != null ? previous : built;
    }

    private Picker fallback(ImmutableMap<String, String> required) {
      switch (fallback) {
        case ANY_ENDPOINT:
          return all();
        case DEFAULT_SUBSET:
          Picker cached = cache.get(DEFAULT);
          if (cached != null) {
            return cached;
          }
          ImmutableList<Endpoint> subset = filter(defaultSubset);
          if (subset.isEmpty()) {
            throw noMatch(required, ", nor the default subset " + defaultSubset);
          }
          Picker built = base(defaultSubset, subset);
          Picker previous = cache.putIfAbsent(DEFAULT, built);
          return previous != null ? previous : built;
        case NO_ENDPOINT:
        default:
          throw noMatch(required, "");
      }
    }

    /**
     * The base's picker over one subset: its endpoints, the members whose metadata match (so that a
     * zone-aware base knows the subset's full capacity), and the subset's own state.
     */
    private Picker base(ImmutableMap<String, String> required, List<Endpoint> subset) {
      Picker picker =
          base.newPicker(
              inputs.part(required, subset, server -> matches(server.metadata(), required)));
      if (picker == null) {
        throw new IllegalStateException(base.name() + " returned no picker");
      }
      return picker;
    }

    private NoAvailableServerException noMatch(Map<String, String> required, String more) {
      return new NoAvailableServerException(
          NoAvailableServerException.Reason.NO_MATCHING_SUBSET,
          "no server available: none of the "
              + endpoints.size()
              + " eligible servers has metadata "
              + required
              + more);
    }

    private ImmutableList<Endpoint> filter(Map<String, String> required) {
      ImmutableList.Builder<Endpoint> out = ImmutableList.builder();
      for (Endpoint e : endpoints) {
        if (matches(e.server().metadata(), required)) {
          out.add(e);
        }
      }
      return out.build();
    }
  }

  static boolean matches(Map<String, String> metadata, Map<String, String> required) {
    for (Map.Entry<String, String> pair : required.entrySet()) {
      if (!pair.getValue().equals(metadata.get(pair.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return name() + "{" + rule + ", fallback " + fallback + "}";
  }
}
