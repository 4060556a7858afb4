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
package io.lbkit.kubernetes;

import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.lbkit.core.DiscoveryBinding;
import io.lbkit.core.DiscoveryStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * EndpointSlices as the Kubernetes controller writes them, a deadline-bounded wait, and the
 * settling of a watch before it closes.
 */
final class Slices {
  static final String NS = "shop";
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private Slices() {}

  static EndpointSlice slice(
      String name,
      String service,
      String addressType,
      List<EndpointPort> ports,
      List<Endpoint> eps) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .addToLabels(EndpointSliceSource.SERVICE_NAME_LABEL, service)
        .endMetadata()
        .withAddressType(addressType)
        .withPorts(ports)
        .withEndpoints(eps)
        .build();
  }

  static EndpointSlice slice(String name, String service, List<Endpoint> eps) {
    return slice(name, service, "IPv4", List.of(port("http", 8080)), eps);
  }

  static EndpointPort port(@Nullable String name, int number) {
    return new EndpointPortBuilder().withName(name).withPort(number).withProtocol("TCP").build();
  }

  /** A ready endpoint, as a running pod's. */
  static Endpoint ready(String address) {
    return endpoint(address, true, true, false, null);
  }

  static Endpoint endpoint(
      String address,
      @Nullable Boolean ready,
      @Nullable Boolean serving,
      @Nullable Boolean terminating,
      @Nullable String zone) {
    EndpointBuilder b =
        new EndpointBuilder()
            .withAddresses(address)
            .withNewConditions()
            .withReady(ready)
            .withServing(serving)
            .withTerminating(terminating)
            .endConditions()
            .withNodeName("node-1")
            .withNewTargetRef()
            .withKind("Pod")
            .withName("pod-" + address.replace('.', '-').replace(':', '-'))
            .withNamespace(NS)
            .endTargetRef();
    if (zone != null) {
      b.withZone(zone);
    }
    return b.build();
  }

  /** {@code count} ready endpoints at {@code prefix.1}, {@code prefix.2}, ... */
  static List<Endpoint> readyRange(String prefix, int count) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      out.add(ready(prefix + "." + i));
    }
    return out;
  }

  /** Creates the slice, or replaces the one of the same name. */
  static void apply(KubernetesClient client, EndpointSlice slice) {
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(NS)
        .resource(slice)
        .createOr(NonDeletingOperation::update);
  }

  static void delete(KubernetesClient client, String name) {
    client.discovery().v1().endpointSlices().inNamespace(NS).withName(name).delete();
  }

  /**
   * Touches the named slice and waits until every binding has delivered the change, so that each
   * watch can be closed. The API server mock blocks its only event loop when a watch is closed
   * while it is still writing an event to it (for up to 30 seconds, its write timeout): every test
   * after that waits, and the mock's own shutdown fails after 10. A change a binding has delivered
   * was written, and so was every event queued before it, such as those the mock sends when a watch
   * opens. Closing right after the first list, with the watch just opened, hit that.
   */
  static void settle(KubernetesClient client, String sliceName, DiscoveryBinding... bindings) {
    List<DiscoveryStatus> before = new ArrayList<>();
    for (DiscoveryBinding b : bindings) {
      before.add(b.status());
    }
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(NS)
        .withName(sliceName)
        .edit(
            s ->
                new EndpointSliceBuilder(s)
                    .editMetadata()
                    .addToAnnotations("lbkit.io/touched", Long.toString(System.nanoTime()))
                    .endMetadata()
                    .build());
    for (int i = 0; i < bindings.length; i++) {
      DiscoveryBinding b = bindings[i];
      DiscoveryStatus old = before.get(i);
      // Each delivery replaces the status, even one that changes nothing.
      await(
          () -> "the touch of " + sliceName + " in " + b.status(), SETTLE, () -> b.status() != old);
    }
  }

  /** Polls {@code condition} every 10 ms until it holds, failing after {@code max}. */
  static void await(Supplier<String> what, Duration max, BooleanSupplier condition) {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("not within %s: %s", max, what.get());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
