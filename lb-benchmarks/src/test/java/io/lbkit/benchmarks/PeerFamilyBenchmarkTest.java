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
package io.lbkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.LoadBalancer;
import io.lbkit.core.Endpoint;
import io.lbkit.core.Pick;
import io.lbkit.core.Server;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.dubbo.rpc.Invoker;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Param;
import org.springframework.cloud.client.ServiceInstance;

/**
 * Every implementation that a peer benchmark lists in its {@code impl} parameter builds over the
 * benchmark's servers and picks only those servers; the round robin ones reach every one of three
 * servers, and the random and hash ones more than one.
 */
class PeerFamilyBenchmarkTest {

  private static final List<Supplier<PeerFamilyBenchmark>> FAMILIES =
      List.of(
          RoundRobinPeers::new,
          WeightedRoundRobinPeers::new,
          RandomPeers::new,
          WeightedRandomPeers::new,
          LeastLoadedPeers::new,
          LatencyAwarePeers::new,
          ConsistentHashPeers::new);

  static Stream<Arguments> implementations() throws NoSuchFieldException {
    Stream.Builder<Arguments> out = Stream.builder();
    for (Supplier<PeerFamilyBenchmark> family : FAMILIES) {
      PeerFamilyBenchmark benchmark = family.get();
      String[] impls = benchmark.getClass().getField("impl").getAnnotation(Param.class).value();
      for (String impl : impls) {
        out.add(Arguments.of(benchmark.getClass().getSimpleName(), impl, family));
      }
    }
    return out.build();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("implementations")
  void picksOnlyTheBenchmarkServers(
      String family, String impl, Supplier<PeerFamilyBenchmark> factory) throws Exception {
    Set<String> hosts = Fixtures.servers(3).stream().map(Server::host).collect(Collectors.toSet());
    Peer peer = factory.get().build(impl, 3);
    Set<String> picked = new HashSet<>();
    try {
      for (int i = 0; i < 300; i++) {
        picked.add(host(peer.pick().apply(i)));
      }
    } finally {
      peer.close().close();
    }
    assertThat(hosts).containsAll(picked);
    // Least-loaded peers may keep choosing the first of equally idle servers (Ribbon does), and
    // latency-aware ones the fastest server (Dubbo's shortestresponse does).
    if (!family.equals("LeastLoadedPeers") && !family.equals("LatencyAwarePeers")) {
      assertThat(picked).as("servers reached by %s %s", family, impl).hasSizeGreaterThan(1);
    }
    if (Arrays.asList("RoundRobinPeers", "WeightedRoundRobinPeers").contains(family)) {
      assertThat(picked).isEqualTo(hosts);
    }
  }

  /** The host of whatever an implementation's pick returns. */
  private static String host(Object pick) {
    if (pick instanceof Pick p) {
      return p.server().host();
    }
    if (pick instanceof Endpoint e) {
      return e.server().host();
    }
    if (pick instanceof Server s) {
      return s.host();
    }
    if (pick instanceof com.linecorp.armeria.client.Endpoint e) {
      return e.host();
    }
    if (pick instanceof LoadBalancer.PickResult r) {
      assertThat(r.getStatus().isOk()).isTrue();
      LoadBalancer.Subchannel subchannel = r.getSubchannel();
      assertThat(subchannel).isNotNull();
      InetSocketAddress address =
          (InetSocketAddress) subchannel.getAllAddresses().get(0).getAddresses().get(0);
      return address.getAddress().getHostAddress();
    }
    if (pick instanceof ServiceInstance s) {
      return s.getHost();
    }
    if (pick instanceof com.netflix.loadbalancer.Server s) {
      return s.getHost();
    }
    if (pick instanceof Invoker<?> invoker) {
      return invoker.getUrl().getHost();
    }
    throw new AssertionError("unexpected pick result " + pick);
  }
}
