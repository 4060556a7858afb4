package io.lbkit.benchmarks.sim;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import java.util.Locale;
import java.util.Optional;

/**
 * One simulated setup: the servers, the offered load and the disturbances. Arrivals are Poisson at
 * {@code ratePerSecond}, spread uniformly at random over {@code clients} clients (each with its own
 * balancer); the run offers {@code requests} requests and measures all but the first {@code
 * warmupRequests}.
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
    ImmutableList<String> policies) {

  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;

  /** Checks the arguments. */
  public Scenario {
    checkArgument(servers >= 1, "servers must be at least 1");
    checkArgument(concurrency >= 1, "concurrency must be at least 1");
    checkArgument(ratePerSecond > 0 && Double.isFinite(ratePerSecond), "bad rate");
    checkArgument(requests >= 1, "requests must be at least 1");
    checkArgument(warmupRequests >= 0 && warmupRequests < requests, "bad warmup");
    checkArgument(timeoutNanos >= 0, "timeout must be at least 0");
    checkArgument(clients >= 1, "clients must be at least 1");
    for (Slowdown s : slowdowns) {
      checkArgument(s.server() < servers, "slowdown of server %s out of range", s.server());
    }
  }

  /**
   * S1, Linkerd's "beyond round robin" (2016): 11 servers that never queue, service time normal
   * with median 167 ms and sd 5 ms, one client at 1000 requests/s (Poisson) for 60 s, one server
   * taking 2 s per request from 15 s to 45 s, and a 1 s timeout.
   */
  public static Scenario s1() {
    return new Scenario(
        "S1",
        "Linkerd beyond-round-robin: 11 servers, normal 167 ms sd 5 ms, 1000 req/s, 60 s,"
            + " one server at 2 s from 15 s to 45 s, 1 s timeout",
        11,
        Integer.MAX_VALUE,
        ServiceTime.normal(167 * MS, 5 * MS),
        1000,
        60_000,
        0,
        SECOND,
        1,
        ImmutableList.of(new Slowdown(0, 15 * SECOND, 45 * SECOND, 2000.0 / 167.0)),
        ImmutableList.of(
            "round_robin",
            "random",
            "least_connections",
            "power_of_two_choices",
            "least_response_time",
            "jsq_oracle"));
  }

  /**
   * S3, queueing sanity: 100 single-slot servers, exponential service with mean 1 ms, Poisson
   * arrivals at load 0.9 (90 requests per ms), 200,000 requests of which the first 20,000 warm the
   * queues up. Random must give the M/M/1 mean time in system 1/(1 - 0.9) = 10 ms, power of two
   * choices the supermarket model's 2.61 ms (Mitzenmacher).
   */
  public static Scenario s3() {
    int servers = 100;
    double load = 0.9;
    return new Scenario(
        "S3",
        "queueing sanity: 100 servers, 1 slot, exponential mean 1 ms, load 0.9",
        servers,
        1,
        ServiceTime.exponential(MS),
        load * servers * 1000.0,
        200_000,
        20_000,
        0,
        1,
        ImmutableList.of(),
        ImmutableList.of(
            "random", "round_robin", "least_connections", "power_of_two_choices", "jsq_oracle"));
  }

  /** The built-in scenario of this name (case-insensitive), if any. */
  public static Optional<Scenario> byName(String name) {
    switch (name.toUpperCase(Locale.ROOT)) {
      case "S1":
        return Optional.of(s1());
      case "S3":
        return Optional.of(s3());
      default:
        return Optional.empty();
    }
  }

  /** The default set: the scenarios {@link Simulate} runs for {@code --all}, in minutes. */
  public static ImmutableList<String> names() {
    return ImmutableList.of("S1", "S3");
  }

  /**
   * The long set: longer or larger variants that {@link #byName} also knows, run for {@code --long}
   * (the full parameter sweeps, for a quiet machine and more time).
   */
  public static ImmutableList<String> longNames() {
    return ImmutableList.of();
  }

  /**
   * This scenario with another number of requests, the warm-up scaled in proportion and the slow
   * periods scaled to the run's new length (so a shortened S1 keeps its shape).
   */
  public Scenario withRequests(int newRequests) {
    double f = (double) newRequests / requests;
    ImmutableList.Builder<Slowdown> scaled = ImmutableList.builder();
    for (Slowdown s : slowdowns) {
      scaled.add(
          new Slowdown(
              s.server(),
              Math.round(s.fromNanos() * f),
              Math.round(s.toNanos() * f),
              s.multiplier()));
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
        scaled.build(),
        policies);
  }
}
