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

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * What connects one balancer's probing selector to the world: the transport that sends probes (set
 * with {@link LoadBalancerBuilder#probeTransport}, null when none was given), and the receivers
 * (the probe pools of the selector, one per balancer or per part of it) that load reports arriving
 * on ordinary responses ({@link LoadBalancer#reportLoad}) are handed to. One per balancer; the
 * selector reaches it through {@link PickerInputs}.
 */
final class ProbeLink {
  /** Takes load reports for the servers it knows; ignores the others. */
  interface Receiver {
    /**
     * A report of this endpoint's server, whose probe was sent at {@code sentNanos} (or that came
     * with a response at {@code nowNanos}), received at {@code nowNanos}; off the pick path.
     */
    void receive(Endpoint endpoint, LoadReport report, long sentNanos, long nowNanos);
  }

  final @Nullable ProbeTransport transport;

  // Written when a selector's pool is first created (off the pick path), read per report; reports
  // are far rarer than picks and registrations rarer still, so copy-on-write fits.
  private final CopyOnWriteArrayList<Receiver> receivers = new CopyOnWriteArrayList<>();

  ProbeLink(@Nullable ProbeTransport transport) {
    this.transport = transport;
  }

  /** Adds a receiver of reported load; called once per pool. */
  void register(Receiver receiver) {
    receivers.add(requireNonNull(receiver, "receiver"));
  }

  /** Hands a report that came with a response to every receiver. */
  void report(Endpoint endpoint, LoadReport report, long nowNanos) {
    for (Receiver r : receivers) {
      r.receive(endpoint, report, nowNanos, nowNanos);
    }
  }
}
