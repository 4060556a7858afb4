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
package io.lbkit.okhttp;

import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Selectors;
import io.lbkit.core.Server;

/**
 * Builds an interceptor the way an application would and prints what happened; run by {@link
 * OkHttpVersionTest} in a JVM whose class path has another OkHttp.
 */
public final class OkHttp4Probe {
  private OkHttp4Probe() {}

  /** Prints {@code built} or the exception's class and message. */
  public static void main(String[] args) {
    try (LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(Server.of("127.0.0.1", 8080))
            .build()) {
      LoadBalancingInterceptor interceptor =
          LoadBalancingInterceptor.builder().service("inventory", balancer).build();
      System.out.println("built " + interceptor.services());
    } catch (RuntimeException e) {
      System.out.println(e.getClass().getName() + ": " + e.getMessage());
    }
  }
}
