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
import com.google.errorprone.annotations.Immutable;
import java.util.Collection;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One DNS SRV record (RFC 2782): priority, weight, port and target host.
 *
 * @since 0.1.0
 */
@Immutable
public final class SrvRecord {
  private final int priority;
  private final int weight;
  private final int port;
  private final String target;

  private SrvRecord(int priority, int weight, int port, String target) {
    this.priority = priority;
    this.weight = weight;
    this.port = port;
    this.target = target;
  }

  /**
   * A record; the target loses a trailing dot (except {@code "."} itself, which RFC 2782 uses for
   * "no service here").
   *
   * @throws IllegalArgumentException naming the value if priority, weight or port is outside
   *     0..65535 or the target is blank
   */
  public static SrvRecord of(int priority, int weight, int port, String target) {
    checkArgument(
        priority >= 0 && priority <= 65535,
        "SRV priority must be in 0..65535 but was %s",
        priority);
    checkArgument(
        weight >= 0 && weight <= 65535, "SRV weight must be in 0..65535 but was %s", weight);
    checkArgument(port >= 0 && port <= 65535, "SRV port must be in 0..65535 but was %s", port);
    requireNonNull(target, "target");
    checkArgument(!target.isBlank(), "SRV target must not be blank but was '%s'", target);
    String t =
        target.length() > 1 && target.endsWith(".")
            ? target.substring(0, target.length() - 1)
            : target;
    return new SrvRecord(priority, weight, port, t);
  }

  /**
   * Parses the presentation form {@code "priority weight port target"}, as DNS tools and the JDK's
   * JNDI DNS provider give it.
   *
   * @throws IllegalArgumentException naming the text if it is not such a record
   */
  public static SrvRecord parse(String text) {
    requireNonNull(text, "text");
    String[] f = text.trim().split("\\s+", -1);
    checkArgument(f.length == 4, "malformed SRV record '%s'", text);
    try {
      return of(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]), f[3]);
    } catch (IllegalArgumentException e) { // NumberFormatException included
      throw new IllegalArgumentException(
          "malformed SRV record '" + text + "': " + e.getMessage(), e);
    }
  }

  /**
   * The records a client uses, by RFC 2782: the usable ones ({@link #isUsable()}) of the lowest
   * priority value; the others are backups for when those are gone. Empty if none is usable.
   */
  public static ImmutableList<SrvRecord> preferred(Collection<SrvRecord> records) {
    int lowest = Integer.MAX_VALUE;
    for (SrvRecord r : records) {
      if (r.isUsable()) {
        lowest = Math.min(lowest, r.priority);
      }
    }
    ImmutableList.Builder<SrvRecord> out = ImmutableList.builder();
    for (SrvRecord r : records) {
      if (r.isUsable() && r.priority == lowest) {
        out.add(r);
      }
    }
    return out.build();
  }

  /** The priority: lower values are preferred. */
  public int priority() {
    return priority;
  }

  /** The relative weight among records of one priority; 0 means "as rarely as possible". */
  public int weight() {
    return weight;
  }

  /** The port; 0 cannot be dialled. */
  public int port() {
    return port;
  }

  /** The target host name without its trailing dot, or {@code "."}. */
  public String target() {
    return target;
  }

  /**
   * Whether a client can use this record: RFC 2782's target {@code "."} means the service is not
   * offered under this name, and port 0 cannot be dialled.
   */
  public boolean isUsable() {
    return port > 0 && !target.equals(".");
  }

  /**
   * The weight a balancer gives the record's servers: the record's weight, but 1 for 0, so that
   * such a server still gets some calls.
   */
  public double serverWeight() {
    return weight == 0 ? 1 : weight;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SrvRecord r
        && priority == r.priority
        && weight == r.weight
        && port == r.port
        && target.equals(r.target);
  }

  @Override
  public int hashCode() {
    return Objects.hash(priority, weight, port, target);
  }

  /** The presentation form, {@code "priority weight port target"}. */
  @Override
  public String toString() {
    return priority + " " + weight + " " + port + " " + target;
  }
}
