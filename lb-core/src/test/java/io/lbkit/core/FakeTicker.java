package io.lbkit.core;

import com.google.common.base.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that stands still until a test moves it, so that time-based behaviour (latency
 * decay, in-flight expiry) is deterministic and needs no sleeps.
 */
final class FakeTicker extends Ticker {
  private final AtomicLong nanos;

  /** A ticker reading zero. */
  FakeTicker() {
    this(0);
  }

  /** A ticker reading {@code startNanos}; any value, negative ones included, is a valid start. */
  FakeTicker(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  @Override
  public long read() {
    return nanos.get();
  }

  /** Moves the time forward (or backward, for a negative duration). */
  FakeTicker advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
    return this;
  }

  /** Moves the time forward by this many nanoseconds. */
  FakeTicker advanceNanos(long delta) {
    nanos.addAndGet(delta);
    return this;
  }

  /** Sets the time. */
  void set(long nowNanos) {
    nanos.set(nowNanos);
  }
}
