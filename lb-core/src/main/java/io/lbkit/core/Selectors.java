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
import com.google.common.collect.ImmutableMap;
import com.google.common.math.IntMath;
import java.util.Map;

/**
 * The built-in load-balancing algorithms, by factory method or by name ({@link #byName}). Each call
 * returns a new {@link Selector}; a selector keeps its state per balancer, so one instance may also
 * serve several balancers.
 *
 * <pre>{@code
 * LoadBalancer balancer = LoadBalancer.builder()
 *     .selector(Selectors.weightedRoundRobin())
 *     .servers(Server.of("a", 80), Server.builder("b", 80).weight(3).build())
 *     .build();
 * }</pre>
 *
 * <table>
 *   <caption>Which algorithm when</caption>
 *   <tr><th>Selector</th><th>Use when</th><th>Pick cost</th></tr>
 *   <tr><td>{@link #roundRobin()}</td><td>identical servers, uniform requests</td><td>O(1)</td></tr>
 *   <tr><td>{@link #weightedRoundRobin()}</td><td>servers of known, different capacity</td>
 *       <td>O(1) expected, O(log n) worst</td></tr>
 *   <tr><td>{@link #random()} / {@link #weightedRandom()}</td><td>many independent clients, no
 *       coordination wanted</td><td>O(1)</td></tr>
 *   <tr><td>{@link #leastConnections()} / {@link #weightedLeastConnections()}</td><td>requests of
 *       very different cost, small lists</td><td>O(n)</td></tr>
 *   <tr><td>{@link #powerOfTwoChoices()}</td><td>like least connections, at any size</td>
 *       <td>O(1)</td></tr>
 *   <tr><td>{@link #leastResponseTime()}</td><td>servers whose speed changes (GC, noisy
 *       neighbours, cold restarts); the best default</td><td>O(min(n, 128))</td></tr>
 *   <tr><td>{@link #ringHash()}</td><td>the same key to the same server (caches, sticky
 *       sessions), fewest keys moved when servers change</td><td>O(log n)</td></tr>
 *   <tr><td>{@link #maglev()}</td><td>like ring hash, with a more even spread and a faster
 *       pick</td><td>O(1)</td></tr>
 *   <tr><td>{@link #boundedLoadHash(double)}</td><td>like ring hash, with a cap on each server's
 *       load (hot keys, skewed key popularity)</td><td>O(log n), plus the walk past busy
 *       servers</td></tr>
 *   <tr><td>{@link #zoneAware(String, Selector)}</td><td>prefer the client's zone, spill over in
 *       proportion when it is less healthy (wraps any selector)</td><td>the base's</td></tr>
 *   <tr><td>{@link #subset(SubsetRule, Selector, SubsetFallback)}</td><td>route by request
 *       content to servers whose metadata match (wraps any selector)</td><td>the base's</td></tr>
 * </table>
 *
 * <h2>Hash selectors, sticky sessions and source affinity</h2>
 *
 * <p>{@link #ringHash()}, {@link #maglev()} and {@link #boundedLoadHash(double)} route by the hash
 * key of {@link LoadBalancer#pick(PickContext)}. Sticky sessions are consistent hashing on a
 * session key: pick with {@link PickContext#ofHashKey(CharSequence)
 * PickContext.ofHashKey(sessionId)} and every request of the session goes to one server while that
 * server is eligible. When it stops being eligible (unhealthy, ejected, draining, removed) the
 * balancer's next snapshot leaves it out, and the session's key maps to another server; when it is
 * eligible again, the key maps back to it. Ring hash moves no other key when a server leaves or
 * returns (as long as the highest weight does not change); Maglev also moves a small fraction of
 * the other keys (with the default table, about 0.3% of all keys when one of 10 servers joins and
 * 0.5% when one of 100 leaves). Bounded-load hashing also moves a key while its server is at
 * capacity. For source-address affinity, {@link PickContext.Builder#clientAddress
 * PickContext.builder().clientAddress(address)} makes the address the key. A pick without a key
 * ({@link LoadBalancer#pick()}, or a context without one) hashes a uniformly random key, which
 * amounts to a random pick in proportion to weight.
 *
 * <p>Weights are the endpoints' effective weights ({@link Endpoint#weight()}), so slow start ramps
 * a new server's share of keys, and in panic mode the keys spread over every server the application
 * has not taken out.
 *
 * @since 0.1.0
 */
public final class Selectors {
  private Selectors() {}

  /**
   * A new selector by name, with its default settings: one of {@link #names()}, such as {@code
   * power_of_two_choices} (the name its {@link Selector#name()} reports, except {@code peak_ewma},
   * which is {@code powerOfTwoChoices(LoadMetric.peakEwma())}, and {@code bounded_load_hash}, which
   * is {@code boundedLoadHash(0.25)}). For configuration files, command lines and adapters that
   * name their algorithm.
   *
   * @throws IllegalArgumentException naming the unknown name and listing the known ones
   * @since 0.2.0
   */
  public static Selector byName(String name) {
    return SelectorNames.create(name);
  }

  /**
   * The names {@link #byName} knows, in a fixed order: the plain selectors first, then the hash
   * selectors.
   *
   * @since 0.2.0
   */
  public static ImmutableList<String> names() {
    return SelectorNames.ALL.keySet().asList();
  }

  /**
   * Round robin: cycles through the eligible servers in order, exactly, starting at a random
   * position (so that many clients do not all start on the first server). Weights are ignored.
   */
  public static Selector roundRobin() {
    return new RoundRobinSelector();
  }

  /**
   * Smooth weighted round robin: over any window of W consecutive picks, where W is the sum of the
   * (integer) weights, each server gets exactly its weight's share, and the picks of each server
   * are spread evenly through the window rather than sent in bursts. Non-integer weights are scaled
   * to integers with a resolution of one part in 2^20 of the total. See {@link
   * WeightedRoundRobinSelector} for the construction.
   */
  public static Selector weightedRoundRobin() {
    return new WeightedRoundRobinSelector();
  }

  /** Uniform random choice. Weights are ignored. */
  public static Selector random() {
    return new RandomSelector();
  }

  /** Random choice in proportion to weight (Vose's alias method: O(1) per pick). */
  public static Selector weightedRandom() {
    return new WeightedRandomSelector();
  }

  /**
   * The server with the fewest in-flight requests, scanning all (O(n)); ties are broken uniformly
   * at random. Recent failures count as extra load (see {@link LoadMetric#inFlight()}), so a server
   * that fails fast does not attract the traffic. For large lists prefer {@link
   * #powerOfTwoChoices()}.
   */
  public static Selector leastConnections() {
    return new LeastLoadedSelector("least_connections", LoadMetric.inFlight());
  }

  /**
   * The server with the least (in-flight + 1) / weight, scanning all (O(n)); ties are broken
   * uniformly at random.
   */
  public static Selector weightedLeastConnections() {
    return new LeastLoadedSelector("weighted_least_connections", LoadMetric.weightedInFlight());
  }

  /**
   * Power of two choices over {@link LoadMetric#weightedInFlight()}: samples two distinct servers
   * at random and picks the less loaded (Mitzenmacher). O(1) at any size, and its load spread is
   * exponentially better than random.
   */
  public static Selector powerOfTwoChoices() {
    return powerOfTwoChoices(LoadMetric.weightedInFlight());
  }

  /** Power of two choices over the given load metric. */
  public static Selector powerOfTwoChoices(LoadMetric metric) {
    return new PowerOfTwoChoicesSelector("power_of_two_choices", requireNonNull(metric, "metric"));
  }

  /**
   * Least response time: the server with the least expected wait, counting in-flight requests first
   * and latency as a bounded correction: (in-flight / weight + 1) x (1 + log2 of how many times
   * slower the server is than twice the fleet's typical latency). One successful answer can raise a
   * server's estimate to at most 3x the fleet's, and an idle server's estimate decays towards the
   * fleet's (not towards zero) over the latency model's decay (500 ms by default), so one slow
   * reply or a cold restart costs a server its share for about a decay time, not tens of seconds. A
   * failure counts as a slow response (at least twice the estimate), so a server that fails fast
   * does not attract traffic. Ties go to a random server in proportion to weight (slow start's ramp
   * is followed). Compares every server in fleets of up to 128, a random window of 128 in larger
   * ones. For Finagle's and Linkerd's peak EWMA, use {@code
   * powerOfTwoChoices(LoadMetric.peakEwma())}.
   */
  public static Selector leastResponseTime() {
    return new LeastResponseTimeSelector();
  }

  /**
   * Probing with the default settings: {@code probing(ProbingConfig.defaults())}.
   *
   * @since 0.3.0
   */
  public static Selector probing() {
    return probing(ProbingConfig.defaults());
  }

  /**
   * Probing, after Google's Prequal (NSDI 2024): picks by the load that servers report about
   * themselves (requests in flight, RIF, and recent latency), asked for off the request path, so
   * that a client that sees each server only a few times a second still picks on fresh load.
   *
   * <ul>
   *   <li>Each request starts {@link ProbingConfig#probesPerRequest()} probes (3 by default) to
   *       servers drawn at random without replacement, through the balancer's {@link
   *       LoadBalancerBuilder#probeTransport ProbeTransport}, never more often to one server than
   *       {@link ProbingConfig#maxProbeRatePerServer()}; the answers, and the reports that ride on
   *       responses ({@link LoadBalancer#reportLoad}), go to a pool of {@link
   *       ProbingConfig#poolSize()} recent results (8) that age out after {@link
   *       ProbingConfig#maxAge()} (1 s).
   *   <li>A pick applies the hot-cold rule to the fresh results of eligible servers: a result is
   *       hot when its RIF is above the {@link ProbingConfig#hotQuantile()} quantile of recently
   *       reported RIFs; the cold result of lowest (latency + the result's age) times (RIF + 1)
   *       wins (a server's RIF is fresher than its latency, and a newer result than an older one,
   *       see the simulator's README), else the hot one of lowest RIF. Routing on a result adds one
   *       to its RIF; a result is used at most its reuse budget (Prequal's formula, from the pool
   *       size, the servers and the probes per request); each request removes one result, the
   *       oldest and the worst in turn, while more than two are left.
   *   <li>With fewer than two fresh results, it picks by power of two choices on the balancer's own
   *       in-flight counts.
   *   <li>Sinkholes: a server that fails fast reports few requests in flight and a low latency. A
   *       server with recent failures counts as hot, with its failure penalty (see {@link
   *       LoadMetric#inFlight()}) added to its RIF; outlier detection, health checks and draining
   *       take servers out of the snapshot, and the pool's results of such servers are not used.
   * </ul>
   *
   * <p>A pick is lock-free and allocates nothing; the probes it starts cost what the transport's
   * asynchronous calls cost. The state (the pool) belongs to the balancer, so one selector may
   * serve several balancers.
   *
   * <pre>{@code
   * LoadBalancer balancer = LoadBalancer.builder()
   *     .selector(Selectors.probing())
   *     .probeTransport(transport) // from an adapter
   *     .servers(servers)
   *     .build();
   * }</pre>
   *
   * @since 0.3.0
   */
  public static Selector probing(ProbingConfig config) {
    return new ProbingSelector(requireNonNull(config, "config"));
  }

  /**
   * No minimum ring size by default: a minimum that binds makes every server's count of virtual
   * nodes depend on how many servers there are, so that any join or leave would move keys between
   * servers that stayed, which sticky sessions must not see.
   */
  private static final int DEFAULT_MIN_RING_SIZE = 1;

  /** The virtual nodes of a server of the highest weight in {@link #ringHash()}. */
  private static final int DEFAULT_VIRTUAL_NODES = 100;

  /**
   * Consistent hashing on a ring of virtual nodes: a server of the highest weight gets 100 virtual
   * nodes and the others proportionally fewer (at least one). Same as {@code ringHash(1, 100)}.
   *
   * <p>A key moves only when its own server leaves the snapshot (to the servers that follow its
   * virtual nodes), or when a server joins and takes about its weight's share of keys, or when
   * weights change; a server that is not the heaviest joining, leaving or warming up changes no
   * other server's virtual nodes. The spread is uneven by a few percent per server: with 100
   * virtual nodes a server's share of the keys has a relative spread of about 10% (over 100,000
   * keys the busiest of 10 servers gets about 1.15 times the mean, of 100 servers about 1.4 times).
   * Picks without a hash key are random in proportion to weight. A rebuild after one server joins,
   * leaves or changes weight is O(V) for V virtual nodes: the selector keeps its last ring and
   * merges only the changed servers' positions into it (about 2.5 ms at 10,000 servers, 1M virtual
   * nodes); the first build sorts all of them. A pick is a binary search over them.
   */
  public static Selector ringHash() {
    return ringHash(DEFAULT_MIN_RING_SIZE, DEFAULT_VIRTUAL_NODES);
  }

  /**
   * Consistent hashing on a ring of virtual nodes, sized by the arguments. More virtual nodes even
   * out the shares (relative spread about 1 / sqrt(virtual nodes)) at the cost of memory (8 bytes
   * each) and build time; the ring never exceeds 8 Mi virtual nodes.
   *
   * <p>A minimum ring size (Envoy uses 1,024) evens out short lists and weights far below the
   * highest, but while it binds (fewer than about {@code minRingSize / virtualNodes} servers of the
   * highest weight), each join or leave changes every server's count of virtual nodes and so moves
   * some keys between servers that stayed.
   *
   * @param minRingSize the least number of virtual nodes on the ring, in [1, 8 Mi]
   * @param virtualNodes the virtual nodes of a server of the highest weight, in [1, 65,536]; others
   *     get {@code max(1, round(virtualNodes * weight / highestWeight))}, scaled up together when
   *     the ring would be smaller than {@code minRingSize}
   */
  public static Selector ringHash(int minRingSize, int virtualNodes) {
    checkRing(minRingSize, virtualNodes);
    return new RingHashSelector(minRingSize, virtualNodes);
  }

  /**
   * Maglev consistent hashing (Google's network load balancer, NSDI 2016) with weights, over a
   * lookup table sized to the fleet: at least 100 slots per server, as the paper advises, from
   * 65,537 slots (Envoy's default, enough for 655 servers) up to 16,777,259 (167,772 servers).
   *
   * <p>Compared with {@link #ringHash()}: a pick is one array read, and each server's share is
   * within one slot of its weight's share of the table, so keys spread almost exactly by weight;
   * but a change of membership moves a few more keys than the minimum. Picks without a hash key are
   * random in proportion to weight.
   *
   * <p>When the fleet outgrows the table, the next rebuild takes the next size of a fixed ladder
   * (65,537, then the least prime at or above twice the previous size: 131,101, 262,217, ...), so
   * clients that have seen the same fleet size agree on every key. A new size remaps almost every
   * key once; the table never shrinks, so a fleet that shrinks and grows again does not remap its
   * keys each time. A build costs about {@code M ln M} steps for a table of M slots (a few
   * milliseconds at 65,537 slots, about a second at 8 million): for a fixed size and cost, use
   * {@link #maglev(int)}.
   */
  public static Selector maglev() {
    return MaglevSelector.sizedToFleet();
  }

  /**
   * Maglev consistent hashing over a lookup table of {@code tableSize} slots. The table holds 4 or
   * 8 bytes per slot and its build takes about {@code tableSize * ln(tableSize)} steps; a larger
   * table evens out the shares (each server is within one slot of its share) and the disruption.
   *
   * @param tableSize a prime in [3, 16,777,259] (for example 65,537, 655,373 or 5,000,011)
   */
  public static Selector maglev(int tableSize) {
    checkArgument(
        tableSize >= 3 && tableSize <= 16_777_259 && IntMath.isPrime(tableSize),
        "maglev table size must be a prime in [3, 16777259] but was %s",
        tableSize);
    return MaglevSelector.fixed(tableSize);
  }

  /**
   * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam, 2018) on the ring of
   * {@link #ringHash()}: no server takes a request while it has {@code ceil((1 + epsilon) * (T + 1)
   * * weight / totalWeight)} or more in flight, T being the requests in flight on all eligible
   * servers; such a request goes to the next server clockwise on the ring that is below its bound.
   * None of the other JVM client-side balancers (gRPC-java, Finagle, Spring Cloud LoadBalancer,
   * Ribbon) offers this; Envoy does, as the {@code hash_balance_factor} of its ring hash and Maglev
   * balancers.
   *
   * <p>A key keeps its server while the server is below its bound, so hot keys spill over to their
   * neighbours instead of overloading one server. Smaller epsilon gives a tighter bound and more
   * movement (the paper's trade-off: about 1 / epsilon^2 servers visited per pick); 0.25 is a
   * common choice. Counts in-flight requests (complete every {@link Pick}), and keeps a
   * balancer-wide in-flight total for T, so a pick costs a ring-hash pick plus the walk past busy
   * servers (under a subset or zone decorator, T is summed over the part's servers instead: O(n)).
   *
   * @param epsilon how far above the average load a server may go: a finite number greater than 0
   *     (at 0 the bound would leave no slack, and a pick could walk the whole ring)
   * @throws IllegalArgumentException naming the value otherwise
   */
  public static Selector boundedLoadHash(double epsilon) {
    checkArgument(
        epsilon > 0 && Double.isFinite(epsilon),
        "bounded load epsilon must be a finite number greater than 0 but was %s",
        epsilon);
    return new BoundedLoadHashSelector(epsilon, DEFAULT_MIN_RING_SIZE, DEFAULT_VIRTUAL_NODES);
  }

  private static void checkRing(int minRingSize, int virtualNodes) {
    checkArgument(
        minRingSize >= 1 && minRingSize <= HashRing.MAX_RING_SIZE,
        "ring hash minRingSize must be in [1, %s] but was %s",
        HashRing.MAX_RING_SIZE,
        minRingSize);
    checkArgument(
        virtualNodes >= 1 && virtualNodes <= 65_536,
        "ring hash virtualNodes must be in [1, 65536] but was %s",
        virtualNodes);
  }

  /**
   * Zone-aware routing with Envoy's rule: {@code zoneAware(localZone, base, 1.0, 1)}. See {@link
   * #zoneAware(String, Selector, double, int)}.
   */
  public static Selector zoneAware(String localZone, Selector base) {
    return zoneAware(localZone, base, 1.0, 1);
  }

  /**
   * Zone-aware routing: sends requests to servers in the client's zone ({@link Server#zone()} equal
   * to {@code localZone}) while that zone is as healthy as the whole balancer, and spills over to
   * the other zones, in proportion, when it is less healthy; each zone's servers are chosen by a
   * picker of {@code base}, so any algorithm (round robin, least connections, hashing, another
   * decorator) works within a zone.
   *
   * <p>The rule, recomputed at each change of membership or health: let <i>expected</i> be the
   * local zone's share of the total {@link Server#weight()} of all the balancer's servers, eligible
   * or not, and <i>actual</i> its share of the weight of the eligible ones ({@link
   * Endpoint#weight()}, which includes slow start). A pick goes to the local zone with probability
   * {@code min(1, overprovisioningFactor * actual / expected)}, and otherwise to another zone
   * chosen in proportion to its eligible weight. Servers without a zone form one more zone. With
   * three equal zones of three servers and one local server down, expected = 3/9 and actual = 2/8,
   * so 75% of picks stay local and each other zone gets 12.5%. If no local server is eligible,
   * everything goes to the other zones; if no other server is, everything stays local.
   *
   * <p>Each zone's total weight comes from the balancer's membership ({@link
   * PickerInputs#servers()}), so it is exact whatever is down, added or removed; under {@link
   * #subset}, from the subset's members.
   *
   * <p>Where this matches Envoy's zone-aware routing: the same decision (all local while the local
   * zone's share of healthy upstream capacity is at least its expected share; otherwise local with
   * probability actual/expected and the residual to other zones), Envoy's {@code min_cluster_size}
   * ({@code minClusterSize}) and the overprovisioning factor Envoy applies to priorities and
   * localities (default 1.4 there). Where it differs: Envoy takes the expected share from the
   * client side, the share of the <em>local cluster's</em> hosts (the callers) in the local zone,
   * which needs a control plane to report the callers; lbkit has none, so it assumes that callers
   * are spread over zones like the servers they call (true when both are deployed together, as with
   * most replicated services), and takes the expected share from the balancer's own servers.
   * Without knowing other zones' callers it spreads the residual by eligible weight where Envoy
   * uses each zone's residual capacity; it weighs by server weight where Envoy counts hosts; and in
   * panic mode (see {@link LoadBalancerBuilder#panicThreshold}) the decorator is handed every
   * server, eligible or not, so it keeps the local zone's traffic local, where Envoy ignores zones
   * and spreads over all servers. Requests with a hash key choose between zones by the key
   * (remixed), so keyed requests keep their zone while the split stays the same.
   *
   * <p>Compose subsets outside zones ({@code subset(rule, zoneAware(zone, base), fallback)}), so
   * that a request spills to another zone's servers of its subset rather than falling back inside
   * the local zone.
   *
   * @param localZone the zone of this client
   * @param base the algorithm within each zone; owned by the returned selector from now on
   * @param overprovisioningFactor at least 1: the local zone keeps all traffic until its share of
   *     eligible weight falls below {@code 1/overprovisioningFactor} of its expected share, then
   *     spills gradually; 1 spills at the first lost server (Envoy's zone-aware rule)
   * @param minClusterSize below this many eligible servers in all, zones are ignored and {@code
   *     base} spreads picks over all of them (Envoy's {@code min_cluster_size}, 6 by default
   *     there); 1 never ignores zones
   * @throws IllegalArgumentException if the zone is blank, the factor is not a finite number of at
   *     least 1, or minClusterSize is below 1
   */
  public static Selector zoneAware(
      String localZone, Selector base, double overprovisioningFactor, int minClusterSize) {
    return new ZoneAwareSelector(localZone, base, overprovisioningFactor, minClusterSize);
  }

  /**
   * Subsets (content-based routing): sends each request to the eligible servers whose {@link
   * Server#metadata()} contain every pair that {@code rule} requires for the request's {@link
   * PickContext}, chosen among them by a picker of {@code base} (which receives the same context,
   * so hashing selectors hash the request's key within the subset). When no eligible server
   * matches, {@code fallback} decides: {@link SubsetFallback#ANY_ENDPOINT} picks among all, {@link
   * SubsetFallback#NO_ENDPOINT} throws a {@link NoAvailableServerException} of reason {@link
   * NoAvailableServerException.Reason#NO_MATCHING_SUBSET}; for {@link
   * SubsetFallback#DEFAULT_SUBSET} use {@link #subset(SubsetRule, Selector, Map)}. A request whose
   * requirement is empty may go to any eligible server.
   *
   * <pre>{@code
   * Selector selector = Selectors.subset(
   *     SubsetRule.of(c -> Map.of("version", c.attribute("path") != null
   *         && c.attribute("path").startsWith("/v2/") ? "v2" : "v1")),
   *     Selectors.leastResponseTime(),
   *     SubsetFallback.ANY_ENDPOINT);
   * }</pre>
   *
   * <p>Each subset's picker is built on the first pick that needs it after a change of membership
   * or health, so that first pick allocates; later ones do not (beyond the rule's own work).
   *
   * @param base the algorithm within each subset; owned by the returned selector from now on
   * @throws IllegalArgumentException if {@code fallback} is {@code DEFAULT_SUBSET}
   */
  public static Selector subset(SubsetRule rule, Selector base, SubsetFallback fallback) {
    requireNonNull(fallback, "fallback");
    checkArgument(
        fallback != SubsetFallback.DEFAULT_SUBSET,
        "DEFAULT_SUBSET needs the default subset's metadata: use subset(rule, base, defaultSubset)");
    return new SubsetSelector(rule, base, fallback, ImmutableMap.of());
  }

  /**
   * Subsets with the {@link SubsetFallback#DEFAULT_SUBSET} fallback: like {@link
   * #subset(SubsetRule, Selector, SubsetFallback)}, but a request that no eligible server matches
   * goes to the servers whose metadata contain all of {@code defaultSubset} (for example {@code
   * version=stable}); if there are none either, the pick fails with reason {@link
   * NoAvailableServerException.Reason#NO_MATCHING_SUBSET}.
   *
   * @throws IllegalArgumentException if {@code defaultSubset} is empty (use {@code ANY_ENDPOINT})
   */
  public static Selector subset(SubsetRule rule, Selector base, Map<String, String> defaultSubset) {
    ImmutableMap<String, String> copy =
        ImmutableMap.copyOf(requireNonNull(defaultSubset, "defaultSubset"));
    checkArgument(
        !copy.isEmpty(), "defaultSubset must not be empty (an empty one is ANY_ENDPOINT)");
    return new SubsetSelector(rule, base, SubsetFallback.DEFAULT_SUBSET, copy);
  }
}
