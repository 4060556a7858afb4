package io.lbkit.core;

/** The built-in {@link LoadMetric}s, as singletons that read the statistics directly. */
enum LoadMetrics implements LoadMetric {
  IN_FLIGHT {
    @Override
    public double load(Endpoint e, long nowNanos) {
      int inFlight = e.recorder.inFlight(e, nowNanos);
      // A warming server looks as loaded as if it had 1/factor times the requests (plus one).
      return e.warmupFactor == 1.0 ? inFlight : (inFlight + 1) / e.warmupFactor - 1;
    }

    @Override
    public boolean usesLatency() {
      return false;
    }
  },
  WEIGHTED_IN_FLIGHT {
    @Override
    public double load(Endpoint e, long nowNanos) {
      return (e.recorder.inFlight(e, nowNanos) + 1) / e.weight;
    }

    @Override
    public boolean usesLatency() {
      return false;
    }
  },
  PEAK_EWMA {
    @Override
    public double load(Endpoint e, long nowNanos) {
      StatsRecorder rec = e.recorder;
      int inFlight = rec.inFlight(e, nowNanos);
      // A server never measured (or fully decayed) costs nothing but its queue: (0 + tiny) keeps
      // the in-flight term as the tie-breaker instead of every idle server costing exactly zero.
      return (rec.latency(e, nowNanos, inFlight) + 1.0) * (inFlight + 1) / e.weight;
    }
  }
}
