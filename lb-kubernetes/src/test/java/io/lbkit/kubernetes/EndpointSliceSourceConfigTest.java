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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad configuration fails when it is set, with the library's own message naming the value. */
class EndpointSliceSourceConfigTest {
  @Test
  @SuppressWarnings("NullAway") // the point: null arguments
  void badNamesAreRefusedNamingTheValue() {
    assertThatThrownBy(() -> EndpointSliceSource.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("service");
    for (String bad :
        new String[] {"", " ", "Orders", "orders.shop", "9orders", "orders-", "a".repeat(64)}) {
      assertThatThrownBy(() -> EndpointSliceSource.builder(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("service must be a Kubernetes service name")
          .hasMessageContaining("'" + bad + "'");
    }
    EndpointSliceSource.Builder b = EndpointSliceSource.builder("orders");
    for (String bad : new String[] {"", "Shop", "shop/x", "-shop", "a".repeat(64)}) {
      assertThatThrownBy(() -> b.namespace(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("namespace must be")
          .hasMessageContaining("'" + bad + "'");
      assertThatThrownBy(() -> b.portName(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("portName must be")
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  @SuppressWarnings("NullAway") // the point: null arguments
  void badPortsAddressTypesAndIntervalsAreRefused() {
    EndpointSliceSource.Builder b = EndpointSliceSource.builder("orders");
    for (int bad : new int[] {0, -1, 65536, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
      assertThatThrownBy(() -> b.port(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("port must be in 1..65535 but was " + bad);
    }
    assertThatThrownBy(() -> EndpointSliceSource.builder("orders").port(80).portName("http"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("set portName or port, not both");
    assertThatThrownBy(() -> EndpointSliceSource.builder("orders").portName("http").port(80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("set portName or port, not both");
    assertThatThrownBy(() -> b.addressTypes("IPv5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("address type must be IPv4, IPv6 or FQDN but was 'IPv5'");
    assertThatThrownBy(() -> b.addressTypes())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one");
    for (Duration bad :
        new Duration[] {
          Duration.ZERO,
          Duration.ofMillis(999),
          Duration.ofSeconds(-5),
          Duration.ofDays(1).plusNanos(1),
          Duration.ofSeconds(Long.MAX_VALUE)
        }) {
      assertThatThrownBy(() -> b.resyncInterval(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("resyncInterval must be in [1 s, 1 day] but was " + bad);
    }
    assertThatThrownBy(() -> b.resyncInterval(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("interval");
    assertThatThrownBy(() -> b.client(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("client");
  }

  @Test
  void theNamespaceDefaultsToTheClientsAndIsRequiredWithout() {
    Config withNs =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:1")
            .withNamespace("shop")
            .build();
    Config withoutNs =
        new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:1").build();
    try (KubernetesClient a = new KubernetesClientBuilder().withConfig(withNs).build();
        KubernetesClient b = new KubernetesClientBuilder().withConfig(withoutNs).build()) {
      EndpointSliceSource source =
          EndpointSliceSource.builder("orders").client(a).portName("http").build();
      assertThat(source.namespace()).isEqualTo("shop");
      assertThat(source.name()).isEqualTo("kubernetes:shop/orders:http");
      assertThat(EndpointSliceSource.builder("orders").client(a).namespace("dev").build().name())
          .isEqualTo("kubernetes:dev/orders");
      assertThatThrownBy(() -> EndpointSliceSource.builder("orders").client(b).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no namespace for service orders");
    }
  }
}
