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

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableSet;
import com.google.errorprone.annotations.CanIgnoreReturnValue;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import io.lbkit.core.DiscoveryBinding;
import io.lbkit.core.ServerSource;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ServerSource} that watches the EndpointSlices of one Kubernetes service: every slice of
 * the service merged (a slice holds at most 100 endpoints), one server per endpoint, with the
 * endpoint's zone and its health from its conditions.
 *
 * <pre>{@code
 * LoadBalancer inventory = LoadBalancer.builder().name("inventory").build();
 * DiscoveryBinding discovery = DiscoveryBinding.start(inventory,
 *     EndpointSliceSource.builder("inventory").namespace("shop").portName("http").build());
 * }</pre>
 *
 * <table>
 *   <caption>Endpoint conditions and the server's health</caption>
 *   <tr><th>conditions</th><th>health</th></tr>
 *   <tr><td>{@code ready} (true or unknown), not terminating</td><td>HEALTHY</td></tr>
 *   <tr><td>{@code terminating}, or {@code serving} and not {@code ready}</td><td>DRAINING</td></tr>
 *   <tr><td>neither {@code ready} nor {@code serving}</td><td>UNHEALTHY</td></tr>
 * </table>
 *
 * <p>Each {@link #start} opens a watch (an informer) on the service's slices, delivers the whole
 * merged list, with health ({@link ServerSource.Listener#onServers(java.util.List,
 * java.util.Map)}), on every change, and again every {@linkplain Builder#resyncInterval resync
 * interval}. When the API server cannot be reached, refuses (RBAC), or the watch is down for more
 * than 5 seconds, the failure is delivered (a {@link DiscoveryBinding} keeps its last list and
 * shows it in its status) and the watch reconnects by itself, with backoff; the list is delivered
 * again as soon as it is back. Each registration delivers from one daemon thread, {@code
 * lbkit-discovery-<name>}, stopped by its {@link ServerSource.Registration#close() close()} with
 * the watch.
 *
 * <p>Servers are {@code ip:port} (their id), in the endpoint's zone, with the pod, node and zone
 * hints in their metadata ({@link #POD_METADATA}, {@link #NODE_METADATA}, {@link
 * #ZONE_HINTS_METADATA}).
 *
 * @since 0.1.0
 */
public final class EndpointSliceSource implements ServerSource {
  /** The metadata key of the endpoint's pod name. */
  public static final String POD_METADATA = "kubernetes.pod";

  /** The metadata key of the endpoint's node name. */
  public static final String NODE_METADATA = "kubernetes.node";

  /** The metadata key of the endpoint's topology hints: the zones it should serve, with commas. */
  public static final String ZONE_HINTS_METADATA = "kubernetes.hints.zones";

  /** The label that ties an EndpointSlice to its service. */
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  /** The resync interval of a source that is given none: 5 minutes. */
  public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofMinutes(5);

  /** The shortest resync interval the client accepts. */
  static final Duration MIN_RESYNC_INTERVAL = Duration.ofSeconds(1);

  static final Duration MAX_RESYNC_INTERVAL = Duration.ofDays(1);

  /** A DNS-1123 label: a namespace, a port name. */
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** A DNS-1035 label: a service name (starts with a letter). */
  private static final Pattern SERVICE_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");

  private final String service;
  private final String namespace;
  private final @Nullable String portName;
  private final int port;
  private final ImmutableSet<String> addressTypes;
  private final Duration resyncInterval;
  private final @Nullable KubernetesClient client;
  private final @Nullable Config config;
  private final String name;

  private EndpointSliceSource(Builder b, String namespace) {
    this.service = b.service;
    this.namespace = namespace;
    this.portName = b.portName;
    this.port = b.port;
    this.addressTypes = ImmutableSet.copyOf(b.addressTypes);
    this.resyncInterval = b.resyncInterval;
    this.client = b.client;
    this.config = b.config;
    this.name =
        "kubernetes:"
            + namespace
            + "/"
            + service
            + (portName != null ? ":" + portName : port != 0 ? ":" + port : "");
  }

  /**
   * Returns a builder for the source of the service named {@code service} (a DNS-1035 label, such
   * as {@code inventory}).
   *
   * @throws IllegalArgumentException naming the value if it is no service name
   */
  public static Builder builder(String service) {
    requireNonNull(service, "service");
    checkArgument(
        SERVICE_NAME.matcher(service).matches(),
        "service must be a Kubernetes service name (a DNS-1035 label: at most 63 lowercase"
            + " letters, digits and '-', starting with a letter) but was '%s'",
        service);
    return new Builder(service);
  }

  /** {@code kubernetes:<namespace>/<service>[:<port>]}. */
  @Override
  public String name() {
    return name;
  }

  /** The service's name. */
  public String service() {
    return service;
  }

  /** The service's namespace. */
  public String namespace() {
    return namespace;
  }

  /** The interval at which the whole list is delivered again, changed or not. */
  public Duration resyncInterval() {
    return resyncInterval;
  }

  @Override
  public Registration start(Listener listener) {
    requireNonNull(listener, "listener");
    KubernetesClient given = client;
    return EndpointSliceWatch.start(
        this,
        listener,
        given != null ? given : EndpointSliceWatch.newClient(requireNonNull(config, "config")),
        given == null);
  }

  /** Merges the slices of this source's service: the servers and their health. */
  SliceMembership merge(Collection<EndpointSlice> slices) {
    return SliceMembership.of(namespace + "/" + service, slices, portName, port, addressTypes);
  }

  @Override
  public String toString() {
    return "EndpointSliceSource{" + name + "}";
  }

  /** Builds an {@link EndpointSliceSource}; validation happens as each value is set. */
  public static final class Builder {
    private final String service;
    private @Nullable String namespace;
    private @Nullable String portName;
    private int port;
    private Set<String> addressTypes = SliceMembership.ADDRESS_TYPES;
    private Duration resyncInterval = DEFAULT_RESYNC_INTERVAL;
    private @Nullable KubernetesClient client;
    private @Nullable Config config;

    private Builder(String service) {
      this.service = service;
    }

    /**
     * The service's namespace (a DNS-1123 label). Unset, it is the client's namespace: in a pod,
     * the pod's own.
     */
    @CanIgnoreReturnValue
    public Builder namespace(String namespace) {
      requireNonNull(namespace, "namespace");
      checkArgument(
          DNS_LABEL.matcher(namespace).matches(),
          "namespace must be a Kubernetes namespace name (a DNS-1123 label: at most 63 lowercase"
              + " letters, digits and '-') but was '%s'",
          namespace);
      this.namespace = namespace;
      return this;
    }

    /**
     * Takes the slice port of this name (the service port's name, such as {@code http}). Without
     * {@code portName} or {@link #port}, a service must have exactly one port.
     */
    @CanIgnoreReturnValue
    public Builder portName(String portName) {
      requireNonNull(portName, "portName");
      checkArgument(
          DNS_LABEL.matcher(portName).matches(),
          "portName must be a Kubernetes port name (a DNS-1123 label: at most 63 lowercase"
              + " letters, digits and '-') but was '%s'",
          portName);
      checkArgument(port == 0, "set portName or port, not both (port is %s)", port);
      this.portName = portName;
      return this;
    }

    /**
     * Takes the slice port of this number (the endpoints' port: the service's target port), in
     * 1..65535; a slice that lists no ports gets this one.
     */
    @CanIgnoreReturnValue
    public Builder port(int port) {
      checkArgument(port >= 1 && port <= 65535, "port must be in 1..65535 but was %s", port);
      checkArgument(
          portName == null, "set portName or port, not both (portName is '%s')", portName);
      this.port = port;
      return this;
    }

    /**
     * Takes only slices of these address types ({@code IPv4}, {@code IPv6}, {@code FQDN}); all by
     * default. A dual-stack service has slices of both IP families, so each pod twice: choose one.
     */
    @CanIgnoreReturnValue
    public Builder addressTypes(String... types) {
      requireNonNull(types, "types");
      checkArgument(types.length > 0, "addressTypes must name at least one type");
      ImmutableSet.Builder<String> out = ImmutableSet.builder();
      for (String t : types) {
        requireNonNull(t, "addressTypes holds null");
        String canonical = null;
        for (String known : SliceMembership.ADDRESS_TYPES) {
          if (known.toLowerCase(Locale.ROOT).equals(t.toLowerCase(Locale.ROOT))) {
            canonical = known;
          }
        }
        checkArgument(canonical != null, "address type must be IPv4, IPv6 or FQDN but was '%s'", t);
        out.add(canonical);
      }
      this.addressTypes = out.build();
      return this;
    }

    /**
     * How often the whole list is delivered again, changed or not (5 minutes by default), in [1 s,
     * 1 day]. Changes are delivered as they come, whatever this is.
     */
    @CanIgnoreReturnValue
    public Builder resyncInterval(Duration interval) {
      requireNonNull(interval, "interval");
      checkArgument(
          interval.compareTo(MIN_RESYNC_INTERVAL) >= 0
              && interval.compareTo(MAX_RESYNC_INTERVAL) <= 0,
          "resyncInterval must be in [1 s, 1 day] but was %s",
          interval);
      this.resyncInterval = interval;
      return this;
    }

    /**
     * The client to watch with; the application keeps it (a registration never closes it). Unset,
     * each {@link #start} creates a client from the environment (in a pod, its service account;
     * elsewhere the kubeconfig), closed with the registration.
     */
    @CanIgnoreReturnValue
    public Builder client(KubernetesClient client) {
      this.client = requireNonNull(client, "client");
      return this;
    }

    /**
     * Returns the source.
     *
     * @throws IllegalStateException if no namespace is set and the client's configuration has none,
     *     or, without a client, there is no fabric8 HTTP client on the class path to make one
     */
    public EndpointSliceSource build() {
      KubernetesClient c = client;
      String ns = namespace;
      if (c == null) {
        try {
          HttpClientUtils.getHttpClientFactory();
        } catch (KubernetesClientException e) {
          throw new IllegalStateException(
              "no fabric8 HTTP client on the class path for the Kubernetes client of service "
                  + service
                  + ": add io.fabric8:kubernetes-httpclient-jdk (the JDK's own client), or"
                  + " another fabric8 HTTP client",
              e);
        }
        config = Config.autoConfigure(null);
      }
      if (ns == null) {
        ns = c != null ? c.getNamespace() : requireNonNull(config, "config").getNamespace();
        if (ns == null || ns.isBlank()) {
          throw new IllegalStateException(
              "no namespace for service "
                  + service
                  + ": set one with namespace(...), the client's configuration has none");
        }
      }
      return new EndpointSliceSource(this, ns);
    }
  }
}
