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
import com.google.common.collect.ImmutableSet;
import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a pick may know about its request: a hash key (for consistent hashing and sticky sessions),
 * the client's address (for source affinity), string attributes (a header value, the path) for
 * routing by content, and the servers it must not go to (a retry after a failed attempt).
 * Immutable. {@link LoadBalancer#pick()} uses {@link #empty()}, which costs nothing; build a
 * context only for requests that need one.
 *
 * <pre>{@code
 * PickContext context = PickContext.builder()
 *     .hashKey(sessionCookie)            // same key, same server while it is healthy
 *     .attribute("path", request.path())
 *     .build();
 * try (Pick pick = balancer.pick(context)) { ... }
 * }</pre>
 *
 * <p>A retry excludes the servers already tried. Such a pick never returns an excluded server and
 * never moves the state that first attempts follow (a round-robin rotation), so failovers do not
 * skew where first attempts go; see {@link LoadBalancer#pick(PickContext)} for how it chooses:
 *
 * <pre>{@code
 * PickContext retry = PickContext.builder().exclude(failed.server().id()).build();
 * try (Pick pick = balancer.pick(retry)) { ... }
 * }</pre>
 *
 * <p>Keys are hashed with 128-bit Murmur3 (Guava's {@code Hashing.murmur3_128}) with a fixed seed,
 * so that every client maps a key to the same server. That also means a caller who chooses keys can
 * aim them at one server: bound that with {@link Selectors#boundedLoadHash}.
 *
 * @since 0.1.0
 */
public final class PickContext {
  private static final HashFunction HASH = Hashing.murmur3_128();
  private static final PickContext EMPTY =
      new PickContext(false, 0L, null, ImmutableMap.of(), ImmutableSet.of());

  private final boolean hasHashKey;
  private final long hashKey;
  private final @Nullable InetAddress clientAddress;
  private final ImmutableMap<String, String> attributes;
  private final ImmutableSet<String> excluded;

  private PickContext(
      boolean hasHashKey,
      long hashKey,
      @Nullable InetAddress clientAddress,
      ImmutableMap<String, String> attributes,
      ImmutableSet<String> excluded) {
    this.hasHashKey = hasHashKey;
    this.hashKey = hashKey;
    this.clientAddress = clientAddress;
    this.attributes = attributes;
    this.excluded = excluded;
  }

  /** The context of a request that needs nothing: no key, no attributes. */
  public static PickContext empty() {
    return EMPTY;
  }

  /** A context with only a hash key. */
  public static PickContext ofHashKey(CharSequence key) {
    return builder().hashKey(key).build();
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Hashes a key the way contexts do: 64 bits of Murmur3-128 of its UTF-8 bytes. */
  public static long hash(CharSequence key) {
    return HASH.hashString(requireNonNull(key, "key"), StandardCharsets.UTF_8).asLong();
  }

  /** Whether this context has a hash key (set directly, or derived from the client address). */
  public boolean hasHashKey() {
    return hasHashKey;
  }

  /** The 64-bit hash of the key; meaningful only when {@link #hasHashKey()}. */
  public long hashKey() {
    return hashKey;
  }

  /** The client's address, if known. */
  public Optional<InetAddress> clientAddress() {
    return Optional.ofNullable(clientAddress);
  }

  /** The value of an attribute, if present. */
  public @Nullable String attribute(String name) {
    return attributes.get(requireNonNull(name, "name"));
  }

  /** All attributes. */
  public ImmutableMap<String, String> attributes() {
    return attributes;
  }

  /** Whether the pick must not return the server with this id. */
  public boolean excludes(String serverId) {
    return excluded.contains(requireNonNull(serverId, "serverId"));
  }

  /** The ids of the servers the pick must not return; empty for a first attempt. */
  public ImmutableSet<String> excludedServerIds() {
    return excluded;
  }

  /** Whether this context excludes any server. */
  public boolean hasExclusions() {
    return !excluded.isEmpty();
  }

  /** A builder that starts with everything this context holds. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.hasHashKey = hasHashKey;
    b.hashKey = hashKey;
    b.clientAddress = clientAddress;
    b.attributes.putAll(attributes);
    b.excluded.addAll(excluded);
    return b;
  }

  @Override
  public String toString() {
    return "PickContext{"
        + (hasHashKey ? "hashKey=" + Long.toHexString(hashKey) : "no hash key")
        + (clientAddress != null ? ", client=" + clientAddress.getHostAddress() : "")
        + (attributes.isEmpty() ? "" : ", attributes=" + attributes)
        + (excluded.isEmpty() ? "" : ", excluded=" + excluded)
        + '}';
  }

  /** Builds a {@link PickContext}. */
  public static final class Builder {
    private boolean hasHashKey;
    private long hashKey;
    private @Nullable InetAddress clientAddress;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private final Set<String> excluded = new LinkedHashSet<>();

    private Builder() {}

    /**
     * Sets the hash key: requests with equal keys go to the same server while it is eligible. An
     * empty key is a valid key.
     */
    @CanIgnoreReturnValue
    public Builder hashKey(CharSequence key) {
      this.hashKey = hash(key);
      this.hasHashKey = true;
      return this;
    }

    /** Sets an already hashed key. */
    @CanIgnoreReturnValue
    public Builder hashKey(long hash) {
      this.hashKey = hash;
      this.hasHashKey = true;
      return this;
    }

    /**
     * Sets the client's address; unless a hash key is set too, its bytes become the hash key
     * (source-address affinity).
     */
    @CanIgnoreReturnValue
    public Builder clientAddress(InetAddress address) {
      this.clientAddress = requireNonNull(address, "address");
      return this;
    }

    /** Adds an attribute (a header value, the path...); names must not be blank. */
    @CanIgnoreReturnValue
    public Builder attribute(String name, String value) {
      requireNonNull(name, "name");
      requireNonNull(value, "value");
      checkArgument(!name.isBlank(), "attribute name must not be blank but was '%s'", name);
      attributes.put(name, value);
      return this;
    }

    /**
     * Excludes a server: the pick will not return it (for a retry after an attempt on it failed).
     * May be called once per server to exclude.
     */
    @CanIgnoreReturnValue
    public Builder exclude(String serverId) {
      requireNonNull(serverId, "serverId");
      checkArgument(!serverId.isEmpty(), "excluded server id must not be empty");
      excluded.add(serverId);
      return this;
    }

    /** Excludes every server of these ids; see {@link #exclude(String)}. */
    @CanIgnoreReturnValue
    public Builder exclude(Iterable<String> serverIds) {
      requireNonNull(serverIds, "serverIds");
      for (String id : serverIds) {
        exclude(id);
      }
      return this;
    }

    /** Returns the context. */
    public PickContext build() {
      boolean keyed = hasHashKey;
      long key = hashKey;
      InetAddress client = clientAddress;
      if (!keyed && client != null) {
        key = HASH.hashBytes(client.getAddress()).asLong();
        keyed = true;
      }
      if (!keyed && client == null && attributes.isEmpty() && excluded.isEmpty()) {
        return EMPTY;
      }
      return new PickContext(
          keyed, key, client, ImmutableMap.copyOf(attributes), ImmutableSet.copyOf(excluded));
    }
  }
}
