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
package io.lbkit.micrometer;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableSet;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.LoadBalancerObserver;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.Server;
import io.lbkit.core.ServerStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.EnumMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer metrics of one {@link LoadBalancer}, under the names Spring Cloud LoadBalancer uses
 * where it has one. Register its {@linkplain #observer() observer} when building the balancer and
 * bind it to a registry, in either order:
 *
 * <pre>{@code
 * LoadBalancerMetrics metrics = LoadBalancerMetrics.builder().serviceId("orders").build();
 * LoadBalancer balancer = LoadBalancer.builder()
 *     .name("orders")
 *     .selector(Selectors.leastResponseTime())
 *     .servers(servers)
 *     .observer(metrics.observer())
 *     .build();
 * metrics.bindTo(registry); // a MeterBinder: Spring Boot binds MeterBinder beans by itself
 * }</pre>
 *
 * <table>
 *   <caption>Meters, each tagged {@code serviceId} (and the builder's extra tags)</caption>
 *   <tr><th>Name</th><th>Type</th><th>Tags</th><th>What</th></tr>
 *   <tr><td>{@code loadbalancer.requests.active}</td><td>gauge</td><td>per server*</td>
 *       <td>requests picked and not completed</td></tr>
 *   <tr><td>{@code loadbalancer.requests.success}</td><td>timer</td><td>per server*</td>
 *       <td>requests reported {@link Outcome#SUCCESS}, with their latency</td></tr>
 *   <tr><td>{@code loadbalancer.requests.failed}</td><td>timer</td><td>{@code outcome}, per
 *       server*</td><td>requests reported {@code FAILURE}, {@code CONNECT_FAILURE} or {@code
 *       TIMEOUT}</td></tr>
 *   <tr><td>{@code loadbalancer.requests.cancelled}</td><td>counter</td><td>per server*</td>
 *       <td>requests reported {@link Outcome#CANCELLED} (or closed without an outcome)</td></tr>
 *   <tr><td>{@code loadbalancer.requests.discard}</td><td>counter</td><td>{@code reason}</td>
 *       <td>picks that found no server, by {@link NoAvailableServerException.Reason}</td></tr>
 *   <tr><td>{@code loadbalancer.ejections}</td><td>counter</td><td>per server*</td>
 *       <td>ejections by outlier detection</td></tr>
 *   <tr><td>{@code loadbalancer.servers}</td><td>gauge</td><td>{@code state}</td>
 *       <td>servers in each {@link HealthState}</td></tr>
 *   <tr><td>{@code loadbalancer.panic.mode}</td><td>gauge</td><td></td>
 *       <td>1 while the balancer is in panic mode, else 0</td></tr>
 * </table>
 *
 * <p>*With {@link Builder#perServerTags(boolean) perServerTags(true)} these carry Spring Cloud
 * LoadBalancer's {@code serviceInstance.instanceId} (the server's id), {@code serviceInstance.host}
 * and {@code serviceInstance.port} tags, one series per server (meters of a server are created when
 * it first reports or changes health, and removed when it leaves the balancer); by default they are
 * off, one series per balancer, since the number of series then grows with the fleet. Give every
 * binder of one registry the same setting: Prometheus wants one set of tag keys per name.
 *
 * <p>The request path stays lock-free and allocation-free with metrics on: an outcome updates a
 * preregistered timer or counter (with per-server tags, after one lock-free map lookup by server
 * id); the gauges are computed when the registry is read. Outcomes reported before the binder is
 * both bound and observing a built balancer are not counted.
 *
 * @since 0.1.0
 */
public final class LoadBalancerMetrics implements MeterBinder {
  static final String DISCARD = "loadbalancer.requests.discard";
  static final String SERVERS = "loadbalancer.servers";
  static final String PANIC = "loadbalancer.panic.mode";

  private static final ImmutableSet<String> RESERVED_TAGS =
      ImmutableSet.of(
          "serviceId",
          "serviceInstance.instanceId",
          "serviceInstance.host",
          "serviceInstance.port",
          "outcome",
          "reason",
          "state");

  private final @Nullable String serviceId;
  private final boolean perServerTags;
  private final Tags extraTags;
  private final Observer observer = new Observer();

  // Both set once, under this object's lock; read without it. Volatile so that a thread that sees
  // one sees the object fully built (safe publication), whichever thread set it.
  private volatile @Nullable LoadBalancer balancer;
  private volatile @Nullable MeterRegistry registry;

  // The meters, published once both the balancer and the registry are known; until then outcomes
  // are dropped. Volatile: the request path's one read of the binder's state, a plain load on x86
  // and an ldar on ARM, and it publishes the meters it holds.
  private volatile @Nullable Bound bound;

  private LoadBalancerMetrics(Builder b) {
    this.serviceId = b.serviceId;
    this.perServerTags = b.perServerTags;
    this.extraTags = b.tags;
  }

  /** Returns a builder; every setting is optional. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The observer to register on the balancer's builder with {@link
   * io.lbkit.core.LoadBalancerBuilder#observer}. It serves one balancer: building a second balancer
   * with it fails with an {@link IllegalStateException}.
   */
  public LoadBalancerObserver observer() {
    return observer;
  }

  /**
   * Registers the meters in {@code registry} (at once if the balancer is built, otherwise when it
   * is). Binding the same registry again does nothing.
   *
   * @throws IllegalStateException if bound to another registry already (bind a {@code
   *     CompositeMeterRegistry} to report to several)
   */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    requireNonNull(registry, "registry");
    MeterRegistry current = this.registry;
    if (current == registry) {
      return;
    }
    checkState(
        current == null,
        "these metrics are bound to %s already; bind a CompositeMeterRegistry to report to several",
        current);
    this.registry = registry;
    bindIfReady();
  }

  private synchronized void built(LoadBalancer b) {
    LoadBalancer current = balancer;
    checkState(
        current == null,
        "these metrics observe balancer '%s' already; give balancer '%s' its own"
            + " LoadBalancerMetrics",
        current == null ? "" : current.name(),
        b.name());
    this.balancer = b;
    bindIfReady();
  }

  private void bindIfReady() {
    LoadBalancer b = balancer;
    MeterRegistry r = registry;
    if (b != null && r != null && bound == null) {
      bound = new Bound(b, r);
    }
  }

  @Override
  public String toString() {
    LoadBalancer b = balancer;
    return "LoadBalancerMetrics{"
        + (serviceId != null ? serviceId : b != null ? b.name() : "(not built)")
        + (perServerTags ? ", per-server tags" : "")
        + (bound != null ? ", bound" : "")
        + '}';
  }

  /** The meters of one balancer in one registry. */
  private final class Bound {
    final LoadBalancer balancer;
    final MeterRegistry registry;
    final Tags tags;
    final EnumMap<NoAvailableServerException.Reason, Counter> discards =
        new EnumMap<>(NoAvailableServerException.Reason.class);

    /** The balancer's request meters, or null with per-server tags. */
    final @Nullable RequestMeters total;

    /** Each server's request meters by server id, with per-server tags. */
    final ConcurrentHashMap<String, RequestMeters> servers = new ConcurrentHashMap<>();

    Bound(LoadBalancer balancer, MeterRegistry registry) {
      this.balancer = balancer;
      this.registry = registry;
      this.tags =
          Tags.of("serviceId", serviceId != null ? serviceId : balancer.name()).and(extraTags);
      for (NoAvailableServerException.Reason r : NoAvailableServerException.Reason.values()) {
        discards.put(
            r,
            Counter.builder(DISCARD)
                .tags(tags)
                .tag("reason", r.name())
                .description("Picks that found no server, by reason")
                .register(registry));
      }
      for (HealthState state : HealthState.values()) {
        Gauge.builder(SERVERS, balancer, b -> count(b, state))
            .tags(tags)
            .tag("state", state.name())
            .description("Servers in each health state")
            .register(registry);
      }
      Gauge.builder(PANIC, balancer, b -> b.isPanicMode() ? 1 : 0)
          .tags(tags)
          .description("1 while the balancer is in panic mode (balancing across unhealthy servers)")
          .register(registry);
      if (perServerTags) {
        total = null;
        for (Server s : balancer.servers()) {
          meters(s);
        }
      } else {
        total = new RequestMeters(registry, tags, balancer, Bound::inFlight);
      }
    }

    /** The meters an event of this server updates, or null if the server left the balancer. */
    @Nullable RequestMeters meters(Server server) {
      RequestMeters all = total;
      if (all != null) {
        return all;
      }
      String id = server.id();
      RequestMeters m = servers.get(id); // lock-free, allocation-free on a hit
      if (m != null || balancer.server(id).isEmpty()) {
        return m;
      }
      // First event of this server: register its meters (the registry returns the same meters to
      // a racing thread that registers them too).
      RequestMeters created =
          new RequestMeters(
              registry,
              tags.and(
                  Tag.of("serviceInstance.instanceId", id),
                  Tag.of("serviceInstance.host", server.host()),
                  Tag.of("serviceInstance.port", Integer.toString(server.port()))),
              balancer,
              b -> b.status(id).map(ServerStatus::inFlight).orElse(0));
      RequestMeters previous = servers.putIfAbsent(id, created);
      if (previous != null) {
        return previous;
      }
      if (balancer.server(id).isEmpty()) {
        removed(server); // removed while we registered: do not leave its meters behind
      }
      return created;
    }

    void removed(Server server) {
      RequestMeters m = servers.remove(server.id());
      if (m != null) {
        m.remove(registry);
      }
    }

    private static double count(LoadBalancer b, HealthState state) {
      int n = 0;
      for (ServerStatus s : b.status()) {
        if (s.state() == state) {
          n++;
        }
      }
      return n;
    }

    private static double inFlight(LoadBalancer b) {
      int n = 0;
      for (ServerStatus s : b.status()) {
        n += s.inFlight();
      }
      return n;
    }
  }

  /** What the balancer tells the metrics. */
  private final class Observer implements LoadBalancerObserver {
    @Override
    public void onBuilt(LoadBalancer balancer) {
      built(balancer);
    }

    @Override
    public void onOutcome(Server server, Outcome outcome, long latencyNanos) {
      Bound b = bound;
      if (b != null) {
        RequestMeters m = b.meters(server);
        if (m != null) {
          m.record(outcome, latencyNanos);
        }
      }
    }

    @Override
    public void onNoServer(NoAvailableServerException.Reason reason) {
      Bound b = bound;
      if (b != null) {
        Counter c = b.discards.get(reason);
        if (c != null) {
          c.increment();
        }
      }
    }

    @Override
    public void onStateChange(Server server, HealthState from, HealthState to, String reason) {
      Bound b = bound;
      if (b != null) {
        RequestMeters m = b.meters(server);
        if (m != null && to == HealthState.EJECTED) {
          m.ejected();
        }
      }
    }

    @Override
    public void onRemoved(Server server) {
      Bound b = bound;
      if (b != null && b.total == null) {
        b.removed(server);
      }
    }

    @Override
    public String toString() {
      return LoadBalancerMetrics.this.toString();
    }
  }

  /** Builds {@link LoadBalancerMetrics}. */
  public static final class Builder {
    private @Nullable String serviceId;
    private boolean perServerTags;
    private Tags tags = Tags.empty();

    private Builder() {}

    /**
     * The {@code serviceId} tag of every meter; the balancer's {@linkplain LoadBalancer#name()
     * name} by default. {@link OkHttpRetryMetrics} tags with the balancer's name: name the balancer
     * after the service to have both agree.
     *
     * @throws IllegalArgumentException if blank
     */
    @CanIgnoreReturnValue
    public Builder serviceId(String serviceId) {
      requireNonNull(serviceId, "serviceId");
      checkArgument(!serviceId.isBlank(), "serviceId must not be blank but was '%s'", serviceId);
      this.serviceId = serviceId;
      return this;
    }

    /**
     * Whether request meters carry per-server tags ({@code serviceInstance.instanceId}, {@code
     * .host}, {@code .port}); false by default, since it makes one series per server.
     */
    @CanIgnoreReturnValue
    public Builder perServerTags(boolean perServerTags) {
      this.perServerTags = perServerTags;
      return this;
    }

    /**
     * Adds a tag to every meter, such as the application's zone.
     *
     * @throws IllegalArgumentException if the key is one these metrics set themselves ({@code
     *     serviceId}, {@code serviceInstance.*}, {@code outcome}, {@code reason}, {@code state})
     */
    @CanIgnoreReturnValue
    public Builder tag(String key, String value) {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
      checkArgument(
          !RESERVED_TAGS.contains(key),
          "tag key '%s' is set by the metrics themselves; reserved keys: %s",
          key,
          RESERVED_TAGS);
      this.tags = tags.and(key, value);
      return this;
    }

    /**
     * Adds tags to every meter; see {@link #tag(String, String)}.
     *
     * @throws IllegalArgumentException as {@link #tag(String, String)}
     */
    @CanIgnoreReturnValue
    public Builder tags(Iterable<Tag> tags) {
      requireNonNull(tags, "tags");
      for (Tag t : tags) {
        requireNonNull(t, "tags holds a null tag");
        tag(t.getKey(), t.getValue());
      }
      return this;
    }

    /** Returns the metrics, to register with a balancer and bind to a registry. */
    public LoadBalancerMetrics build() {
      return new LoadBalancerMetrics(this);
    }
  }
}
