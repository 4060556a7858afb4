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

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * For the transport adapters' tests: a round-robin selector that sees what a probing selector sees
 * (the balancer's probe transport, and the reports handed to {@link LoadBalancer#reportLoad}), so
 * that a test can show that a transport's reports arrive in the balancer without depending on how
 * the probing selector weighs them. Every pick also probes the picked server, as a probing selector
 * would, off the pick's result.
 */
public final class ProbeTap implements Selector {
  /** One report the balancer received: which server, and what it said. */
  public record Received(String serverId, LoadReport report, boolean probed) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicBoolean registered = new AtomicBoolean();
  private final boolean probeOnPick;

  private ProbeTap(boolean probeOnPick) {
    this.probeOnPick = probeOnPick;
  }

  /** A tap that probes the picked server on every pick. */
  public static ProbeTap probing() {
    return new ProbeTap(true);
  }

  /** A tap that only listens for reports that come with responses. */
  public static ProbeTap listening() {
    return new ProbeTap(false);
  }

  /** Every report received so far, in order. */
  public List<Received> received() {
    return received;
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ProbeLink link = inputs.probes();
    if (registered.compareAndSet(false, true)) {
      // Reports handed to reportLoad (those that came with responses).
      link.register(
          (endpoint, report, sent, now) ->
              received.add(new Received(endpoint.server().id(), report, false)));
    }
    List<Endpoint> endpoints = inputs.endpoints();
    return nowNanos -> {
      Endpoint e = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
      ProbeTransport transport = link.transport;
      if (probeOnPick && transport != null) {
        transport.probe(e).thenAccept(r -> received.add(new Received(e.server().id(), r, true)));
      }
      return e;
    };
  }

  @Override
  public String name() {
    return "probe_tap";
  }
}
