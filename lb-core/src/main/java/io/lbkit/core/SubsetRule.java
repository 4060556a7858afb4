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

import com.google.common.collect.ImmutableMap;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Maps a request's {@link PickContext} to the server metadata it requires: a {@linkplain
 * Selectors#subset subset selector} sends the request to the servers whose {@link
 * Server#metadata()} contain every required key with the required value.
 *
 * <pre>{@code
 * // The "version" attribute picks the servers of that version: version=v2 -> {version=v2}.
 * SubsetRule byVersion = SubsetRule.byAttribute("version", "version");
 *
 * // Content-based: /v2/... goes to version=v2, everything else to version=v1.
 * SubsetRule byPath = SubsetRule.of(context -> {
 *   String path = context.attribute("path");
 *   return Map.of("version", path != null && path.startsWith("/v2/") ? "v2" : "v1");
 * });
 * }</pre>
 *
 * <p>An empty requirement selects every eligible server (unlike Envoy, where a route without
 * metadata criteria takes the fallback policy): to keep other requests off a subset, require
 * something of them, as {@code byPath} does above.
 *
 * @since 0.1.0
 */
public final class SubsetRule {
  private final @Nullable String attribute;
  private final String metadataKey;
  private final @Nullable Function<? super PickContext, ? extends Map<String, String>> function;

  private SubsetRule(
      @Nullable String attribute,
      String metadataKey,
      @Nullable Function<? super PickContext, ? extends Map<String, String>> function) {
    this.attribute = attribute;
    this.metadataKey = metadataKey;
    this.function = function;
  }

  /**
   * Requires {@code metadataKey=<value of the attribute>}; a request without the attribute requires
   * nothing. Picks with such a rule do not allocate once the subset has been seen in a snapshot.
   *
   * @throws IllegalArgumentException if either name is blank
   */
  public static SubsetRule byAttribute(String attribute, String metadataKey) {
    requireNonNull(attribute, "attribute");
    requireNonNull(metadataKey, "metadataKey");
    checkArgument(!attribute.isBlank(), "attribute must not be blank but was '%s'", attribute);
    checkArgument(
        !metadataKey.isBlank(), "metadataKey must not be blank but was '%s'", metadataKey);
    return new SubsetRule(attribute, metadataKey, null);
  }

  /**
   * Requires what the function returns for the request's context; it is called on every pick (also
   * with {@link PickContext#empty()} for picks without a context), so it should be cheap, and must
   * not return null.
   */
  public static SubsetRule of(Function<? super PickContext, ? extends Map<String, String>> rule) {
    return new SubsetRule(null, "", requireNonNull(rule, "rule"));
  }

  /**
   * The metadata this request requires.
   *
   * @throws NullPointerException if the rule's function returns null
   */
  public Map<String, String> requiredMetadata(PickContext context) {
    requireNonNull(context, "context");
    if (function == null) {
      String value = context.attribute(requireNonNull(attribute));
      return value == null ? ImmutableMap.of() : ImmutableMap.of(metadataKey, value);
    }
    Map<String, String> required = function.apply(context);
    if (required == null) {
      throw new NullPointerException("subset rule " + this + " returned null for " + context);
    }
    return required;
  }

  /** The attribute of a {@link #byAttribute} rule, or null for a function rule. */
  @Nullable String attribute() {
    return attribute;
  }

  /** The metadata key of a {@link #byAttribute} rule. */
  String metadataKey() {
    return metadataKey;
  }

  @Override
  public String toString() {
    return function == null
        ? "SubsetRule{attribute " + attribute + " -> metadata " + metadataKey + "}"
        : "SubsetRule{" + function + "}";
  }
}
