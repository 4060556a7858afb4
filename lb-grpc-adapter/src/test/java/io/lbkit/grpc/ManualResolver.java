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
package io.lbkit.grpc;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.StatusOr;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** A name resolver for tests: returns the addresses it is given, and counts refreshes. */
final class ManualResolver extends NameResolverProvider {
  final AtomicInteger refreshes = new AtomicInteger();
  private volatile List<EquivalentAddressGroup> addresses;
  private volatile NameResolver.@Nullable Listener2 listener;

  ManualResolver(List<EquivalentAddressGroup> addresses) {
    this.addresses = List.copyOf(addresses);
  }

  /** Replaces the addresses and tells the channel. */
  void update(List<EquivalentAddressGroup> newAddresses) {
    this.addresses = List.copyOf(newAddresses);
    NameResolver.Listener2 l = listener;
    if (l != null) {
      l.onResult(
          NameResolver.ResolutionResult.newBuilder()
              .setAddressesOrError(StatusOr.fromValue(addresses))
              .build());
    }
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    return new NameResolver() {
      @Override
      public String getServiceAuthority() {
        return "manual.test";
      }

      @Override
      public void start(Listener2 l) {
        listener = l;
        l.onResult(
            ResolutionResult.newBuilder()
                .setAddressesOrError(StatusOr.fromValue(addresses))
                .build());
      }

      @Override
      public void refresh() {
        refreshes.incrementAndGet();
      }

      @Override
      public void shutdown() {}
    };
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    Set<Class<? extends SocketAddress>> types = new HashSet<>();
    for (EquivalentAddressGroup g : addresses) {
      for (SocketAddress a : g.getAddresses()) {
        types.add(a.getClass());
      }
    }
    return types;
  }

  @Override
  public String getDefaultScheme() {
    return "manual";
  }
}
