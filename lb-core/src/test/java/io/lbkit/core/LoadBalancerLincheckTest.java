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

import com.google.common.collect.ImmutableList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link LoadBalancer}'s membership and health changes and of {@code pick}'s
 * view of them, against {@link Model}, a plain single-threaded map of id to health. Every change
 * builds a snapshot and publishes it with a compare-and-set (rebuilding on the winner's state when
 * it loses); every read reads one snapshot. So each concurrent history must match the model run in
 * some sequential order: no lost change, no change seen half-applied, no pick from a stale or mixed
 * membership.
 *
 * <p>Each operation reads or writes the balancer once: {@code servers()} and {@code health(id)} are
 * separate reads of (possibly) different snapshots, so the test never combines them.
 *
 * <p>The balancer's selector always picks the last eligible server (in insertion order), so a
 * pick's result says exactly which membership and health it saw; a pick with no eligible server
 * reports the reason the balancer gives.
 */
@Param(name = "id", gen = IntGen.class, conf = "0:2")
@Param(name = "health", gen = IntGen.class, conf = "0:2")
public class LoadBalancerLincheckTest {
  private static final String[] IDS = {"a", "b", "c"};
  private static final String BALANCER_CLASS = LoadBalancer.class.getName();
  private static final HealthState[] HEALTHS = {
    HealthState.HEALTHY, HealthState.UNHEALTHY, HealthState.DRAINING
  };

  private final LoadBalancer balancer =
      LoadBalancer.builder()
          .selector(new LastSelector())
          .servers(server("a", 1), server("b", 1))
          .build();

  static Server server(String id, double weight) {
    return Server.builder("10.0.0.1", 8080).id(id).weight(weight).build();
  }

  /** Adds a healthy server; "duplicate" if the id is present. */
  @Operation
  public String add(@Param(name = "id") int id) {
    try {
      balancer.addServer(server(IDS[id], 1));
      return "ok";
    } catch (IllegalArgumentException e) {
      return "duplicate";
    }
  }

  /** Removes a server; whether it was present. */
  @Operation
  public boolean remove(@Param(name = "id") int id) {
    return balancer.removeServer(IDS[id]);
  }

  /** Sets a server's health; "unknown" if the id is absent. */
  @Operation
  public String setHealth(@Param(name = "id") int id, @Param(name = "health") int health) {
    try {
      balancer.setHealth(IDS[id], HEALTHS[health]);
      return "ok";
    } catch (IllegalArgumentException e) {
      return "unknown";
    }
  }

  /** Re-weights a server, keeping its place and health; "unknown" if the id is absent. */
  @Operation
  public String reweight(@Param(name = "id") int id) {
    try {
      balancer.updateServer(server(IDS[id], 2));
      return "ok";
    } catch (IllegalArgumentException e) {
      return "unknown";
    }
  }

  /** Replaces the membership by [b, c]: b keeps its health, a goes, c starts healthy. */
  @Operation
  public void setServersBc() {
    balancer.setServers(ImmutableList.of(server("b", 1), server("c", 1)));
  }

  /** Every server's id, in insertion order. */
  @Operation
  public String servers() {
    StringBuilder out = new StringBuilder();
    for (Server s : balancer.servers()) {
      out.append(s.id()).append(' ');
    }
    return out.toString();
  }

  /** One server's health, or "absent". */
  @Operation
  public String health(@Param(name = "id") int id) {
    return balancer.health(IDS[id]).map(Enum::name).orElse("absent");
  }

  /** The eligible servers, as ids in order. */
  @Operation
  public String eligible() {
    StringBuilder out = new StringBuilder();
    for (Endpoint e : balancer.eligibleEndpoints()) {
      out.append(e.server().id()).append(' ');
    }
    return out.toString();
  }

  /** The last eligible server's id, or why nothing can be picked. */
  @Operation
  public String pick() {
    try (Pick pick = balancer.pick()) {
      return pick.server().id();
    } catch (NoAvailableServerException e) {
      return "none: " + e.reason();
    }
  }

  @Test
  void stress() throws Throwable {
    QuietStandardError.run(
        () ->
            new StressOptions()
                .iterations(10)
                .invocationsPerIteration(500)
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(2)
                .sequentialSpecification(Model.class)
                .check(getClass()));
  }

  @Test
  void modelChecking() throws Throwable {
    // Only the balancer's own code (LoadBalancer, its lambdas, and this test's operations, whose
    // names share the prefix) touches shared state: the snapshot reference. Building a snapshot
    // (Guava's immutable collections, endpoints, the picker) and the pick handle touch only
    // objects the calling thread owns until the compare-and-set publishes them, so thread switches
    // inside them are not explored; that makes an invocation several times cheaper. (A blind
    // write instead of the compare-and-set is still found at once.)
    QuietStandardError.run(
        () ->
            new ModelCheckingOptions()
                .addGuarantee(
                    ManagedStrategyGuaranteeKt.forClasses(name -> !name.startsWith(BALANCER_CLASS))
                        .allMethods()
                        .ignore())
                .iterations(10)
                .invocationsPerIteration(200)
                .threads(2)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(Model.class)
                .check(getClass()));
  }

  /** Always picks the last eligible endpoint. */
  static final class LastSelector implements Selector {
    @Override
    public Picker newPicker(ImmutableList<Endpoint> endpoints) {
      Endpoint last = endpoints.get(endpoints.size() - 1);
      return now -> last;
    }

    @Override
    public boolean usesInFlight() {
      return false;
    }

    @Override
    public boolean usesLatency() {
      return false;
    }
  }

  /**
   * The sequential specification: an insertion-ordered map of id to health, with the methods of the
   * test (same names and parameters) written in the most direct way.
   */
  public static final class Model {
    private final Map<String, HealthState> members = new LinkedHashMap<>();

    public Model() {
      members.put("a", HealthState.HEALTHY);
      members.put("b", HealthState.HEALTHY);
    }

    public String add(int id) {
      return members.putIfAbsent(IDS[id], HealthState.HEALTHY) == null ? "ok" : "duplicate";
    }

    public boolean remove(int id) {
      return members.remove(IDS[id]) != null;
    }

    public String setHealth(int id, int health) {
      if (!members.containsKey(IDS[id])) {
        return "unknown";
      }
      members.put(IDS[id], HEALTHS[health]);
      return "ok";
    }

    public String reweight(int id) {
      return members.containsKey(IDS[id]) ? "ok" : "unknown";
    }

    public void setServersBc() {
      HealthState b = members.getOrDefault("b", HealthState.HEALTHY);
      HealthState c = members.getOrDefault("c", HealthState.HEALTHY);
      members.clear();
      members.put("b", b);
      members.put("c", c);
    }

    public String servers() {
      StringBuilder out = new StringBuilder();
      members.keySet().forEach(id -> out.append(id).append(' '));
      return out.toString();
    }

    public String health(int id) {
      HealthState h = members.get(IDS[id]);
      return h == null ? "absent" : h.name();
    }

    public String eligible() {
      StringBuilder out = new StringBuilder();
      members.forEach(
          (id, health) -> {
            if (health == HealthState.HEALTHY) {
              out.append(id).append(' ');
            }
          });
      return out.toString();
    }

    public String pick() {
      @Nullable String last = null;
      int unhealthy = 0;
      int draining = 0;
      for (Map.Entry<String, HealthState> m : members.entrySet()) {
        switch (m.getValue()) {
          case HEALTHY -> last = m.getKey();
          case UNHEALTHY -> unhealthy++;
          case DRAINING -> draining++;
          case WARMING, EJECTED -> {} // never in the model: setHealth only sets the HEALTHS
        }
      }
      if (last != null) {
        return last;
      }
      NoAvailableServerException.Reason reason;
      if (members.isEmpty()) {
        reason = NoAvailableServerException.Reason.NO_SERVERS;
      } else if (draining == 0) {
        reason = NoAvailableServerException.Reason.ALL_UNHEALTHY;
      } else if (unhealthy == 0) {
        reason = NoAvailableServerException.Reason.ALL_DRAINING;
      } else {
        reason = NoAvailableServerException.Reason.ALL_UNHEALTHY_OR_DRAINING;
      }
      return "none: " + reason;
    }
  }
}
