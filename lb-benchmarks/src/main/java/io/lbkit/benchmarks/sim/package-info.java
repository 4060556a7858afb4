/**
 * The balancing-quality simulator: a seeded, deterministic discrete-event simulation (simulated
 * time, one event queue, no threads, no sleeping) that drives the real lbkit balancers through
 * their public API. Each simulated client owns a {@link io.lbkit.core.LoadBalancer} whose ticker is
 * the simulation clock; each request picks at its arrival and completes its pick at its completion
 * (or with a timeout at its deadline). Servers are FIFO queues with parallel slots and a
 * service-time distribution. Run scenarios with {@link io.lbkit.benchmarks.sim.Simulate}.
 */
@NullMarked
package io.lbkit.benchmarks.sim;

import org.jspecify.annotations.NullMarked;
