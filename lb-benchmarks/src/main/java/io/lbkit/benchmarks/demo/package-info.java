/**
 * The live demo: {@link io.lbkit.benchmarks.demo.LiveDemo} starts a few real HTTP servers on
 * loopback (a slow one, a flaky one and one that goes down and comes back), sends requests to them
 * through OkHttp and lbkit's interceptor with each algorithm, and prints what each algorithm made
 * of them.
 */
@NullMarked
package io.lbkit.benchmarks.demo;

import org.jspecify.annotations.NullMarked;
