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
/**
 * The balancing-quality simulator: a seeded, deterministic discrete-event simulation (simulated
 * time, one event queue, no threads, no sleeping) that drives the real lbkit balancers through
 * their public API. Each simulated client owns a {@link io.lbkit.core.LoadBalancer} whose ticker is
 * the simulation clock, whose scheduler is a {@code VirtualScheduler} on simulated time (so outlier
 * detection and slow start run inside the simulation) and whose random draws come from the run's
 * seed; each request picks at its arrival and completes its pick at its completion, error response
 * or deadline. Servers are FIFO queues with parallel slots and a service-time distribution,
 * disturbed by slow periods, error bursts, freezes, joins and moving sets of slow servers. A
 * scenario is a {@link io.lbkit.simulator.Scenario}; the named ones are defined in {@code
 * Scenarios} and {@code RecoveryScenarios} and grouped into sets in {@code ScenarioSets}, the
 * policies (lbkit's selectors, with health variants, two oracles and two stale-information
 * policies) in {@link io.lbkit.simulator.Policies}. Run scenarios with {@link
 * io.lbkit.simulator.Simulate}.
 */
@NullMarked
package io.lbkit.simulator;

import org.jspecify.annotations.NullMarked;
