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

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One simulated setup: the servers, the offered load and the disturbances. Arrivals are Poisson at
 * {@code ratePerSecond} (times the current {@link LoadStep}'s factor, if any), spread uniformly at
 * random over {@code clients} clients (each with its own balancer); the run offers {@code requests}
 * requests and measures all but the first {@code warmupRequests}.
 *
 * <p>Convention: where a scenario disturbs one server (slow, failing, frozen, joining), it is
 * server index 0, so that reports can show "the disturbed server" without knowing the scenario.
 *
 * <p>Health features are not part of a scenario but of the policy: a policy name may carry the
 * suffixes {@code +od} (outlier detection) and {@code +ss} (slow start), see {@link PolicySpec}.
 *
 * @param name short name (S1, S3)
 * @param description one line for the table
 * @param servers number of servers
 * @param concurrency parallel slots per server; {@link Integer#MAX_VALUE} for no queueing at all
 * @param serviceTime the base service-time distribution
 * @param ratePerSecond Poisson arrival rate, in requests per simulated second
 * @param requests requests offered in the run
 * @param warmupRequests the first requests, left out of the statistics (the queues start empty)
 * @param timeoutNanos the client's deadline, or 0 for none
 * @param clients number of clients, each with its own balancer
 * @param slowdowns slow periods of servers
 * @param policies the policies {@link Simulate} runs by default
 * @param errorBursts periods in which a server answers a fraction of requests with fast errors
 * @param freezes stop-the-world pauses of servers
 * @param joins servers that join during the run (absent before)
 * @param fluctuations moving sets of slow servers
 * @param loadSteps a load ramp: arrival-rate factors from given times on (empty: constant rate)
 * @param reportIntervalNanos how often servers report their queue lengths to the clients, for the
 *     policies that balance on such stale global information ({@code herd_stale}, {@code
 *     p2c_stale})
 * @param slowReplies a server's few slow answers (a GC pause, a cold restart)
 * @param leaves servers that leave for a while and come back with fresh statistics
 * @param longStreams long streams pinned to a server besides the balanced requests
 */
public record Scenario(
    String name,
    String description,
    int servers,
    int concurrency,
    ServiceTime serviceTime,
    double ratePerSecond,
    int requests,
    int warmupRequests,
    long timeoutNanos,
    int clients,
    ImmutableList<Slowdown> slowdowns,
    ImmutableList<String> policies,
    ImmutableList<ErrorBurst> errorBursts,
    ImmutableList<Freeze> freezes,
    ImmutableList<Join> joins,
    ImmutableList<Fluctuation> fluctuations,
    ImmutableList<LoadStep> loadSteps,
    long reportIntervalNanos,
    ImmutableList<SlowReplies> slowReplies,
    ImmutableList<Leave> leaves,
    ImmutableList<LongStreams> longStreams) {

  private static final long MS = 1_000_000L;
  private static final long DEFAULT_REPORT_INTERVAL = 100 * MS;

  /** Checks the arguments. */
  public Scenario {
    checkArgument(servers >= 1, "servers must be at least 1");
    checkArgument(concurrency >= 1, "concurrency must be at least 1");
    checkArgument(ratePerSecond > 0 && Double.isFinite(ratePerSecond), "bad rate");
    checkArgument(requests >= 1, "requests must be at least 1");
    checkArgument(warmupRequests >= 0 && warmupRequests < requests, "bad warmup");
    checkArgument(timeoutNanos >= 0, "timeout must be at least 0");
    checkArgument(clients >= 1, "clients must be at least 1");
    checkArgument(reportIntervalNanos > 0, "report interval must be positive");
    for (Slowdown s : slowdowns) {
      checkArgument(s.server() < servers, "slowdown of server %s out of range", s.server());
    }
    for (ErrorBurst e : errorBursts) {
      checkArgument(e.server() < servers, "error burst of server %s out of range", e.server());
    }
    Set<Integer> joining = new HashSet<>();
    for (Join j : joins) {
      checkArgument(j.server() < servers, "join of server %s out of range", j.server());
      checkArgument(joining.add(j.server()), "server %s joins twice", j.server());
    }
    checkArgument(joining.size() < servers, "at least one server must be there from the start");
    for (Freeze f : freezes) {
      checkArgument(f.server() < servers, "freeze of server %s out of range", f.server());
    }
    List<Freeze> sorted = new ArrayList<>(freezes);
    sorted.sort((a, b) -> Long.compare(a.fromNanos(), b.fromNanos()));
    for (int server = 0; server < servers; server++) {
      long lastEnd = Long.MIN_VALUE;
      for (Freeze f : sorted) {
        if (f.server() == server) {
          checkArgument(f.fromNanos() >= lastEnd, "freezes of server %s overlap", server);
          lastEnd = f.toNanos();
        }
      }
    }
    for (SlowReplies r : slowReplies) {
      checkArgument(r.server() < servers, "slow replies of server %s out of range", r.server());
    }
    for (Leave l : leaves) {
      checkArgument(l.server() < servers, "leave of server %s out of range", l.server());
    }
    for (LongStreams l : longStreams) {
      checkArgument(l.server() < servers, "streams of server %s out of range", l.server());
    }
    long lastStep = -1;
    for (LoadStep step : loadSteps) {
      checkArgument(step.fromNanos() > lastStep, "load steps must be in increasing time order");
      lastStep = step.fromNanos();
    }
  }

  /**
   * A scenario without the disturbances added later (error bursts, freezes, joins, fluctuations, a
   * load ramp), with the default report interval of 100 ms.
   */
  public Scenario(
      String name,
      String description,
      int servers,
      int concurrency,
      ServiceTime serviceTime,
      double ratePerSecond,
      int requests,
      int warmupRequests,
      long timeoutNanos,
      int clients,
      ImmutableList<Slowdown> slowdowns,
      ImmutableList<String> policies) {
    this(
        name,
        description,
        servers,
        concurrency,
        serviceTime,
        ratePerSecond,
        requests,
        warmupRequests,
        timeoutNanos,
        clients,
        slowdowns,
        policies,
        ImmutableList.of(),
        ImmutableList.of(),
        ImmutableList.of(),
        ImmutableList.of(),
        ImmutableList.of(),
        DEFAULT_REPORT_INTERVAL,
        ImmutableList.of(),
        ImmutableList.of(),
        ImmutableList.of());
  }

  /**
   * This scenario with another number of requests, the warm-up scaled in proportion and every time
   * (slow periods, error bursts, freezes, joins, load steps) scaled to the run's new length, so
   * that a shortened scenario keeps its shape. Periods of fluctuation and the report interval stay.
   */
  public Scenario withRequests(int newRequests) {
    double f = (double) newRequests / requests;
    ImmutableList.Builder<Slowdown> slow = ImmutableList.builder();
    for (Slowdown s : slowdowns) {
      slow.add(
          new Slowdown(s.server(), scale(s.fromNanos(), f), scale(s.toNanos(), f), s.multiplier()));
    }
    ImmutableList.Builder<ErrorBurst> err = ImmutableList.builder();
    for (ErrorBurst e : errorBursts) {
      err.add(
          new ErrorBurst(
              e.server(),
              scale(e.fromNanos(), f),
              scale(e.toNanos(), f),
              e.fraction(),
              e.latencyNanos()));
    }
    ImmutableList.Builder<Freeze> frz = ImmutableList.builder();
    for (Freeze z : freezes) {
      frz.add(new Freeze(z.server(), scale(z.fromNanos(), f), scale(z.toNanos(), f)));
    }
    ImmutableList.Builder<Join> jn = ImmutableList.builder();
    for (Join j : joins) {
      jn.add(new Join(j.server(), scale(j.atNanos(), f)));
    }
    ImmutableList.Builder<LoadStep> steps = ImmutableList.builder();
    for (LoadStep s : loadSteps) {
      steps.add(new LoadStep(scale(s.fromNanos(), f), s.factor()));
    }
    ImmutableList.Builder<SlowReplies> slow2 = ImmutableList.builder();
    for (SlowReplies r : slowReplies) {
      slow2.add(new SlowReplies(r.server(), scale(r.fromNanos(), f), r.count(), r.latencyNanos()));
    }
    ImmutableList.Builder<Leave> left = ImmutableList.builder();
    for (Leave l : leaves) {
      left.add(new Leave(l.server(), scale(l.fromNanos(), f), scale(l.toNanos(), f)));
    }
    return new Scenario(
        name,
        description,
        servers,
        concurrency,
        serviceTime,
        ratePerSecond,
        newRequests,
        (int) (warmupRequests * f),
        timeoutNanos,
        clients,
        slow.build(),
        policies,
        err.build(),
        frz.build(),
        jn.build(),
        fluctuations,
        steps.build(),
        reportIntervalNanos,
        slow2.build(),
        left.build(),
        longStreams);
  }

  /** Scales a time, keeping "forever" (Long.MAX_VALUE) as it is. */
  private static long scale(long nanos, double f) {
    return nanos == Long.MAX_VALUE ? nanos : Math.round(nanos * f);
  }

  static Builder builder(String name, String description) {
    return new Builder(name, description);
  }

  /** Collects a scenario's settings; defaults: one slot, one client, no timeout. */
  static final class Builder {
    private final String name;
    private final String description;
    private int servers = 1;
    private int concurrency = 1;
    private ServiceTime serviceTime = ServiceTime.exponential(MS);
    private double rate = 1000;
    private int requests = 1000;
    private int warmup;
    private long timeout;
    private int clients = 1;
    private long reportInterval = DEFAULT_REPORT_INTERVAL;
    private final ImmutableList.Builder<Slowdown> slowdowns = ImmutableList.builder();
    private final ImmutableList.Builder<ErrorBurst> errorBursts = ImmutableList.builder();
    private final ImmutableList.Builder<Freeze> freezes = ImmutableList.builder();
    private final ImmutableList.Builder<Join> joins = ImmutableList.builder();
    private final ImmutableList.Builder<Fluctuation> fluctuations = ImmutableList.builder();
    private final ImmutableList.Builder<LoadStep> loadSteps = ImmutableList.builder();
    private final ImmutableList.Builder<SlowReplies> slowReplies = ImmutableList.builder();
    private final ImmutableList.Builder<Leave> leaves = ImmutableList.builder();
    private final ImmutableList.Builder<LongStreams> longStreams = ImmutableList.builder();
    private ImmutableList<String> policies = ImmutableList.of();

    private Builder(String name, String description) {
      this.name = name;
      this.description = description;
    }

    @CanIgnoreReturnValue
    Builder servers(int n) {
      this.servers = n;
      return this;
    }

    @CanIgnoreReturnValue
    Builder concurrency(int slots) {
      this.concurrency = slots;
      return this;
    }

    @CanIgnoreReturnValue
    Builder serviceTime(ServiceTime t) {
      this.serviceTime = t;
      return this;
    }

    @CanIgnoreReturnValue
    Builder rate(double perSecond) {
      this.rate = perSecond;
      return this;
    }

    @CanIgnoreReturnValue
    Builder requests(int total, int warmupRequests) {
      this.requests = total;
      this.warmup = warmupRequests;
      return this;
    }

    @CanIgnoreReturnValue
    Builder timeout(long nanos) {
      this.timeout = nanos;
      return this;
    }

    @CanIgnoreReturnValue
    Builder clients(int n) {
      this.clients = n;
      return this;
    }

    @CanIgnoreReturnValue
    Builder reportInterval(long nanos) {
      this.reportInterval = nanos;
      return this;
    }

    @CanIgnoreReturnValue
    Builder slowdown(Slowdown s) {
      slowdowns.add(s);
      return this;
    }

    @CanIgnoreReturnValue
    Builder errorBurst(ErrorBurst e) {
      errorBursts.add(e);
      return this;
    }

    @CanIgnoreReturnValue
    Builder freeze(Freeze f) {
      freezes.add(f);
      return this;
    }

    @CanIgnoreReturnValue
    Builder join(Join j) {
      joins.add(j);
      return this;
    }

    @CanIgnoreReturnValue
    Builder fluctuation(Fluctuation f) {
      fluctuations.add(f);
      return this;
    }

    @CanIgnoreReturnValue
    Builder loadStep(LoadStep s) {
      loadSteps.add(s);
      return this;
    }

    @CanIgnoreReturnValue
    Builder slowReplies(SlowReplies r) {
      slowReplies.add(r);
      return this;
    }

    @CanIgnoreReturnValue
    Builder leave(Leave l) {
      leaves.add(l);
      return this;
    }

    @CanIgnoreReturnValue
    Builder longStreams(LongStreams l) {
      longStreams.add(l);
      return this;
    }

    @CanIgnoreReturnValue
    Builder policies(String... names) {
      this.policies = ImmutableList.copyOf(names);
      return this;
    }

    @CanIgnoreReturnValue
    Builder policies(ImmutableList<String> names) {
      this.policies = names;
      return this;
    }

    Scenario build() {
      return new Scenario(
          name,
          description,
          servers,
          concurrency,
          serviceTime,
          rate,
          requests,
          warmup,
          timeout,
          clients,
          slowdowns.build(),
          policies,
          errorBursts.build(),
          freezes.build(),
          joins.build(),
          fluctuations.build(),
          loadSteps.build(),
          reportInterval,
          slowReplies.build(),
          leaves.build(),
          longStreams.build());
    }
  }
}
