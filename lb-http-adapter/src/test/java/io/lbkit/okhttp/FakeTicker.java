package io.lbkit.okhttp;

import com.google.common.base.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that stands still until a test moves it. */
final class FakeTicker extends Ticker {
  private final AtomicLong nanos = new AtomicLong();

  @Override
  public long read() {
    return nanos.get();
  }

  FakeTicker advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
    return this;
  }
}
