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

import org.openjdk.jmh.annotations.Param;

/**
 * Consistent hashing of a request key: lbkit's ring hash and Maglev next to gRPC-java's {@code
 * ring_hash} and Dubbo's {@code consistenthash}. Each call takes the next of 4,096 keys ({@code
 * "session-0"} ...), per thread. What each measured call includes:
 *
 * <ul>
 *   <li>{@code lbkit_ring_hash}, {@code lbkit_maglev}: the picker alone with the key's hash
 *       precomputed ({@code picker.pick(context, now)}): binary search of the ring, or one table
 *       read.
 *   <li>{@code lbkit_ring_hash_full}, {@code lbkit_maglev_full}: {@code
 *       balancer.pick(PickContext.ofHashKey(key))} then {@code complete(Outcome.SUCCESS)}: hashing
 *       the key string (Murmur3), the context and the handle included.
 *   <li>{@code grpc_ring_hash}: gRPC-java's {@code ring_hash} picker with the key in a request
 *       header ({@code requestHashHeader}): the header read, its XXH64 hash and the ring search;
 *       the ring has gRPC's default 1,024 to 4,096 entries, so at 10,000 servers not every server
 *       is on it (see {@link GrpcPeers#ringHash}).
 *   <li>{@code dubbo_consistenthash}: {@code select(invokers, url, invocation)} with the key as the
 *       invocation's argument: Dubbo's MD5 of the key, its ring lookup, and its O(n) {@code
 *       invokers.hashCode()} check of the cached ring (160 virtual nodes per invoker).
 * </ul>
 *
 * <p>Run: {@code java -jar lb-benchmarks/target/benchmarks.jar 'ConsistentHashPeers\.' -prof gc -rf
 * json -rff hash-peers.json}; more in {@link PeerFamilyBenchmark}.
 */
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields before any call
public class ConsistentHashPeers extends PeerFamilyBenchmark {

  /** Whose implementation; names starting with {@code lbkit} are lbkit. */
  @Param({
    "lbkit_ring_hash",
    "lbkit_ring_hash_full",
    "lbkit_maglev",
    "lbkit_maglev_full",
    "dubbo_consistenthash"
  })
  public String impl;

  @Override
  protected String impl() {
    return impl;
  }

  @Override
  Peer build(String impl, int servers) {
    return switch (impl) {
      case "lbkit_ring_hash" -> LbkitPeers.selectorOnly("ring_hash", servers);
      case "lbkit_ring_hash_full" -> LbkitPeers.fullPath("ring_hash", servers);
      case "lbkit_maglev" -> LbkitPeers.selectorOnly("maglev", servers);
      case "lbkit_maglev_full" -> LbkitPeers.fullPath("maglev", servers);
      case "grpc_ring_hash" -> GrpcPeers.ringHash(servers);
      case "dubbo_consistenthash" -> DubboPeers.of("consistenthash", servers, false);
      default -> throw unknown(impl);
    };
  }
}
