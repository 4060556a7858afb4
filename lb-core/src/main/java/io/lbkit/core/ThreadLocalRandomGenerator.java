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
