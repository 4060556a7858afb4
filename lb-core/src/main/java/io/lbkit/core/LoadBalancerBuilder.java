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
import static java.util.Objects.requireNonNull;

import com.google.common.base.Ticker;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongConsumer;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link LoadBalancer}. Each setting may be set once; {@link #build()} leaves the builder
 * unchanged.
 */
public final class LoadBalancerBuilder {
  String name = "lbkit";
  @Nullable Selector selector;
  List<Server> servers = List.of();
  Ticker ticker = Ticker.systemTicker();
  Duration inFlightExpiry = Duration.ofMinutes(5);
  LatencyModel latencyModel = LatencyModel.DEFAULT;
  boolean serversSet;
  @Nullable OutlierDetection outlierDetection;
  @Nullable SlowStart slowStart;
  @Nullable ActiveHealthCheck healthCheck;
  double panicThreshold = 0.5;
  final List<HealthListener> listeners = new ArrayList<>();
  final List<LoadBalancerObserver> observers = new ArrayList<>();
  final List<SnapshotListener> snapshotListeners = new ArrayList<>();
  @Nullable ScheduledExecutorService scheduler;
  RandomGenerator random = ThreadLocalRandomGenerator.INSTANCE;
  @Nullable ProbeTransport probeTransport;

  LoadBalancerBuilder() {}

  /** A name for messages and logs, such as the logical service name. */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder name(String name) {
    requireNonNull(name, "name");
    checkArgument(!name.isBlank(), "name must not be blank but was '%s'", name);
    this.name = name;
    return this;
  }

  /**
   * The algorithm; required. The state a selector keeps across snapshots (a round-robin rotation, a
   * ring reused across rebuilds) belongs to the balancer ({@link PickerInputs#state}), so one
   * selector instance may serve several balancers, each as if it had its own.
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder selector(Selector selector) {
    checkState(this.selector == null, "selector was already set to %s", this.selector);
    this.selector = requireNonNull(selector, "selector");
    return this;
  }

  /**
   * The initial servers. Leave unset to start empty (picks then fail until servers are added).
   * Initial servers start at full weight (no slow start).
   *
   * @throws IllegalArgumentException if the list is empty or holds two servers with one id
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder servers(Collection<Server> servers) {
    checkState(!serversSet, "servers were already set");
    requireNonNull(servers, "servers");
    checkArgument(!servers.isEmpty(), "server list is empty; leave servers unset to start empty");
    List<Server> copy = new ArrayList<>(servers.size());
    Set<String> ids = new HashSet<>();
    int index = 0;
    for (Server s : servers) {
      if (s == null) {
        throw new NullPointerException("servers[" + index + "] is null");
      }
      index++;
      checkArgument(ids.add(s.id()), "duplicate server id '%s' in the server list", s.id());
      copy.add(s);
    }
    this.servers = copy;
    this.serversSet = true;
    return this;
  }

  /** The initial servers. */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder servers(Server... servers) {
    requireNonNull(servers, "servers");
    return servers(Arrays.asList(servers));
  }

  /**
   * The time source for latency, in-flight expiry and health timing; {@link Ticker#systemTicker()}
   * by default. Tests inject a fake ticker to make time-based behaviour deterministic.
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder ticker(Ticker ticker) {
    this.ticker = requireNonNull(ticker, "ticker");
    return this;
  }

  /**
   * The source of every random choice the balancer makes: the selector's draws, tie-breaks and
   * starting position (through {@link PickerInputs#random()}), and the spreading of active health
   * checks. By default each thread draws from its own {@code ThreadLocalRandom}, which shares no
   * state between threads; keep the default in production.
   *
   * <p>For simulations and tests, a seeded generator together with a fake {@link #ticker} makes a
   * run reproducible, pick for pick, as long as picks are made on one thread:
   *
   * <pre>{@code
   * LoadBalancer balancer = LoadBalancer.builder()
   *     .selector(Selectors.powerOfTwoChoices())
   *     .servers(servers)
   *     .ticker(simulatedClock)
   *     .random(new SplittableRandom(42))
   *     .build();
   * }</pre>
   *
   * <p>The generator is called on the pick path from every thread that picks, so it must be safe
   * for concurrent use if picks run on several threads ({@link java.util.Random} is, by contending
   * on one atomic seed; {@link java.util.SplittableRandom} is not). Outlier detection's ejection
   * jitter comes from its own backoff function; set its jitter to 0 for a fully reproducible run.
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder random(RandomGenerator random) {
    this.random = requireNonNull(random, "random");
    return this;
  }

  /**
   * How long a pick that is never completed may count towards its server's in-flight load: it stops
   * counting after at most twice this long (and a request legitimately running longer than this may
   * stop counting early). Five minutes by default.
   *
   * <p>With the system ticker, a selector that uses in-flight counts but not latency does not read
   * the clock on every pick: picks see the time through a coarse clock that about one pick in 64
   * refreshes, as do the maintenance tick and every other ticker read of the balancer. The twice
   * this long is then measured on that clock, which lags real time by about the time the balancer
   * takes for 64 picks (or one maintenance tick, when health features run): microseconds under
   * load, longer for a balancer picking rarely. A custom {@link #ticker} is read on every pick.
   *
   * @throws IllegalArgumentException naming the value if not in [1 ms, 7 days]
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder inFlightExpiry(Duration expiry) {
    this.inFlightExpiry =
        Durations.check(expiry, "in-flight expiry", Durations.MIN, Duration.ofDays(7));
    return this;
  }

  /**
   * The latency model behind {@link Endpoint#latencyEstimateNanos()}: the peak-EWMA decay time (10
   * s by default, as in Finagle and Linkerd), the factor by which a failure raises the estimate (2
   * by default) and the least latency a failure counts as (10 ms by default), so that a server
   * failing fast does not look fast.
   *
   * @throws IllegalArgumentException naming the value if decay is not in [1 ms, 1 day], the factor
   *     is below 1 or not finite, or the floor is not in [0, 1 day]
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder latencyModel(
      Duration decay, double failureFactor, Duration failureFloor) {
    this.latencyModel = new LatencyModel(decay, failureFactor, failureFloor);
    return this;
  }

  /**
   * The transport that probes servers for their load, for the probing selector ({@link
   * Selectors#probing()}); other selectors never call it. Without one, a probing selector learns
   * only from the reports of {@link LoadBalancer#reportLoad} and otherwise picks by power of two
   * choices. The transport adapters provide one; see {@link ProbeTransport} for what an
   * implementation must do.
   *
   * @since 0.3.0
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder probeTransport(ProbeTransport transport) {
    checkState(probeTransport == null, "probeTransport was already set to %s", probeTransport);
    this.probeTransport = requireNonNull(transport, "transport");
    return this;
  }

  /** Turns on passive outlier detection (off by default). */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder outlierDetection(OutlierDetection detection) {
    checkState(outlierDetection == null, "outlierDetection was already set");
    this.outlierDetection = requireNonNull(detection, "detection");
    return this;
  }

  /**
   * Turns on slow start for servers added later and servers back from ejection (off by default).
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder slowStart(SlowStart slowStart) {
    checkState(this.slowStart == null, "slowStart was already set");
    this.slowStart = requireNonNull(slowStart, "slowStart");
    return this;
  }

  /** Turns on active health checks (off by default). */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder healthCheck(ActiveHealthCheck check) {
    checkState(healthCheck == null, "healthCheck was already set");
    this.healthCheck = requireNonNull(check, "check");
    return this;
  }

  /**
   * Panic mode: when fewer than this percentage of the servers that the application has not taken
   * out (marked unhealthy or draining) are eligible, balance across all of them, ejected and
   * failing ones included, instead of overloading the few healthy ones. Envoy's rule; 50 by
   * default, 0 turns it off.
   *
   * @throws IllegalArgumentException if not in 0..100
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder panicThreshold(double percent) {
    checkArgument(
        percent >= 0 && percent <= 100,
        "panicThreshold must be a percentage in 0..100 but was %s",
        percent);
    this.panicThreshold = percent / 100.0;
    return this;
  }

  /** Adds a listener for health transitions and panic mode. */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder listener(HealthListener listener) {
    listeners.add(requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * Adds an observer of outcomes, picks that found no server, health transitions and panic mode,
   * such as a metrics binder; see {@link LoadBalancerObserver}. With any observer, the balancer
   * times every pick and counts it in flight whatever its selector (two clock reads and an atomic
   * increment and decrement per request), so that the latencies and in-flight counts it reports are
   * real.
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder observer(LoadBalancerObserver observer) {
    requireNonNull(observer, "observer");
    observers.add(observer);
    listeners.add(observer);
    return this;
  }

  /**
   * Adds a listener for each state the balancer publishes (see {@link SnapshotListener}): for
   * adapters that keep a picker of their own per state.
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder snapshotListener(SnapshotListener listener) {
    snapshotListeners.add(requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * The scheduler for health checks and maintenance. By default the balancer starts one daemon
   * thread of its own when a health feature is on, and stops it on {@link LoadBalancer#close()}; a
   * scheduler given here is used but never shut down by the balancer.
   */
  @CanIgnoreReturnValue
  public LoadBalancerBuilder scheduler(ScheduledExecutorService scheduler) {
    checkState(this.scheduler == null, "scheduler was already set");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    return this;
  }

  /**
   * Returns the balancer.
   *
   * @throws IllegalStateException if no selector was set, or an observer refuses the balancer (see
   *     {@link LoadBalancerObserver#onBuilt})
   */
  public LoadBalancer build() {
    checkState(selector != null, "a selector is required: call selector(Selectors...)");
    LoadBalancer balancer = new LoadBalancer(this);
    try {
      for (LoadBalancerObserver o : observers) {
        o.onBuilt(balancer);
      }
    } catch (RuntimeException e) {
      balancer.close();
      throw e;
    }
    return balancer;
  }

  /**
   * Assembles the engine of a balancer being built: its accounting and pick path, the snapshot
   * publisher, and the features this builder's settings ask for, each changing the membership only
   * through the publisher and run on time by the maintenance (the health checks by their own
   * chains) on one scheduler. The features know the balancer only through {@code lifecycle}.
   */
  Engine assemble(Lifecycle lifecycle) {
    Selector sel = requireNonNull(selector, "selector");
    OutlierDetection od = outlierDetection;
    ActiveHealthCheck hc = healthCheck;
    SlowStart warmup = slowStart;
    boolean healthFeatures = od != null || warmup != null || hc != null;
    OutlierEjection ejection =
        od == null ? null : new OutlierEjection(od, random, warmup != null, lifecycle);
    Accounting accounting =
        new Accounting(
            ticker,
            sel.usesInFlight() || healthFeatures || !observers.isEmpty(),
            sel.usesLatency() || !observers.isEmpty(),
            inFlightExpiry.toNanos(),
            latencyModel,
            ejection);
    accounting.observers(ObserverChain.of(name, observers));
    long now = accounting.read();
    ProbeLink probes = new ProbeLink(probeTransport);
    SnapshotPublisher publisher =
        new SnapshotPublisher(
            name,
            Members.of(servers, ImmutableMap.of(), now, false, name),
            // The selector with this balancer's own state for it (and the in-flight total it may
            // read): one selector instance may serve several balancers.
            new BoundSelector(sel, random, accounting.trackInFlight, probes),
            accounting,
            warmup,
            panicThreshold);
    publisher.addListener(
        new TransitionReporter(name, ImmutableList.copyOf(listeners), panicThreshold));

    ScheduledExecutorService given = scheduler;
    ScheduledExecutorService exec = Maintenance.schedulerFor(name, given, healthFeatures);
    boolean scheduled = exec != null && healthFeatures;
    Drains drains = new Drains(name, publisher, accounting, lifecycle, exec, scheduled);
    ImmutableList.Builder<LongConsumer> ticks = ImmutableList.builder();
    if (ejection != null) {
      ejection.link(publisher, exec, now);
      ticks.add(ejection::tick);
    }
    if (warmup != null) {
      ticks.add(new SlowStartRamp(warmup, publisher)::tick);
    }
    ticks.add(drains::tick);
    Maintenance maintenance =
        new Maintenance(
            name,
            publisher,
            lifecycle,
            exec,
            given == null && exec != null,
            healthFeatures,
            Maintenance.tickNanos(od, warmup),
            ticks.build());
    if (hc != null && exec != null) {
      boolean uneject = od != null && od.unejectOnHealthCheck;
      publisher.addListener(
          new HealthCheckChains(
              name, publisher, lifecycle, hc, exec, random, uneject, warmup != null));
    }
    return new Engine(
        accounting,
        new PickPath(name, accounting, random),
        publisher,
        drains,
        maintenance,
        warmup,
        probes);
  }
}
