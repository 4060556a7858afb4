package io.lbkit.core;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The default source of the selectors' random choices: each call goes to the calling thread's
 * {@link ThreadLocalRandom}, so picks on different threads share no state and never contend.
 *
 * <p>Why not hand out {@code ThreadLocalRandom.current()} itself: that object is one shared
 * instance whose state lives in the calling thread, and a thread that uses it without first calling
 * {@code current()} has an uninitialised seed. Calling {@code current()} on every draw, as this
 * class does, is the documented safe use and costs a thread-field read.
 */
enum ThreadLocalRandomGenerator implements RandomGenerator {
  INSTANCE;

  @Override
  public long nextLong() {
    return ThreadLocalRandom.current().nextLong();
  }

  @Override
  public int nextInt() {
    return ThreadLocalRandom.current().nextInt();
  }

  @Override
  public int nextInt(int bound) {
    return ThreadLocalRandom.current().nextInt(bound);
  }

  @Override
  public long nextLong(long bound) {
    return ThreadLocalRandom.current().nextLong(bound);
  }

  @Override
  public double nextDouble() {
    return ThreadLocalRandom.current().nextDouble();
  }
}
