package io.lbkit.benchmarks.sim;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * From {@code fromNanos} on (until the next step), arrivals come at {@code factor} times the
 * scenario's base rate: a load ramp.
 *
 * @param fromNanos when the step begins
 * @param factor the multiplier of the base arrival rate, positive
 */
public record LoadStep(long fromNanos, double factor) {
  /** Checks the arguments. */
  public LoadStep {
    checkArgument(fromNanos >= 0, "step start must be at least 0");
    checkArgument(factor > 0 && Double.isFinite(factor), "bad factor %s", factor);
  }
}
