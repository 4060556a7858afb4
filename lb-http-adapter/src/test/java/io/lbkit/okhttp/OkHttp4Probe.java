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
