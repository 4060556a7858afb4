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
package io.lbkit.micrometer;

import io.lbkit.core.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The request meters of one set of tags: a whole balancer's, or one server's when per-server tags
 * are on. Created off the request path; {@link #record} then looks nothing up and allocates nothing
 * (the timers and counters it updates are preregistered).
 */
final class RequestMeters {
  static final String ACTIVE = "loadbalancer.requests.active";
  static final String SUCCESS = "loadbalancer.requests.success";
  static final String FAILED = "loadbalancer.requests.failed";
  static final String CANCELLED = "loadbalancer.requests.cancelled";
  static final String EJECTIONS = "loadbalancer.ejections";

  /** The timer of each outcome; none for {@link Outcome#CANCELLED}, which is counted. */
  private final EnumMap<Outcome, Timer> timers = new EnumMap<>(Outcome.class);

  private final Counter cancelled;
  private final Counter ejections;
  private final List<Meter> all = new ArrayList<>();

  <T> RequestMeters(MeterRegistry registry, Tags tags, T source, ToDoubleFunction<T> active) {
    all.add(
        Gauge.builder(ACTIVE, source, active)
            .tags(tags)
            .description("Requests picked and not yet completed")
            .register(registry));
    for (Outcome o : Outcome.values()) {
      if (o == Outcome.SUCCESS) {
        timers.put(o, add(timer(SUCCESS, "Requests that succeeded", tags).register(registry)));
      } else if (o.isFailure()) {
        timers.put(
            o,
            add(
                timer(FAILED, "Requests that failed, by outcome", tags)
                    .tag("outcome", o.name())
                    .register(registry)));
      }
    }
    cancelled =
        add(
            Counter.builder(CANCELLED)
                .tags(tags)
                .description("Requests the caller gave up (they say nothing about the server)")
                .register(registry));
    ejections =
        add(
            Counter.builder(EJECTIONS)
                .tags(tags)
                .description("Servers ejected by outlier detection")
                .register(registry));
  }

  private static Timer.Builder timer(String name, String description, Tags tags) {
    return Timer.builder(name).tags(tags).description(description);
  }

  private <M extends Meter> M add(M meter) {
    all.add(meter);
    return meter;
  }

  /** Records one request's outcome; lock-free and allocation-free. */
  void record(Outcome outcome, long latencyNanos) {
    Timer timer = timers.get(outcome);
    if (timer != null) {
      timer.record(latencyNanos, TimeUnit.NANOSECONDS);
    } else {
      cancelled.increment();
    }
  }

  void ejected() {
    ejections.increment();
  }

  /** Removes these meters from the registry (the server left the balancer). */
  void remove(MeterRegistry registry) {
    for (Meter m : all) {
      registry.remove(m);
    }
  }
}
