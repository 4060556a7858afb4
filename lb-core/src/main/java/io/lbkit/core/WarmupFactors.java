package io.lbkit.core;

import org.jspecify.annotations.Nullable;

/** The slow-start factors of a snapshot's endpoints, for selectors that otherwise ignore weight. */
final class WarmupFactors {
  private WarmupFactors() {}

  /** The factors, or null when no endpoint is warming up (the common case). */
  static double @Nullable [] of(Endpoint[] endpoints) {
    boolean warming = false;
    for (Endpoint e : endpoints) {
      warming |= e.warmupFactor < 1.0;
    }
    if (!warming) {
      return null;
    }
    double[] factors = new double[endpoints.length];
    for (int i = 0; i < endpoints.length; i++) {
      factors[i] = endpoints[i].warmupFactor;
    }
    return factors;
  }
}
