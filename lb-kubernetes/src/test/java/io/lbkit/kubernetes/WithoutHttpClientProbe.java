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
package io.lbkit.kubernetes;

/**
 * Builds a source the way an application does, without a client of its own, and prints what
 * happened; run in a child JVM by {@link WithoutHttpClientTest}, on a class path without fabric8's
 * JDK HTTP client.
 */
public final class WithoutHttpClientProbe {
  private WithoutHttpClientProbe() {}

  /** Prints whether fabric8's JDK HTTP client is on the class path, and the build's outcome. */
  public static void main(String[] args) {
    System.out.println("jdk http client on the class path: " + jdkHttpClientPresent());
    System.out.println(attempt());
  }

  static boolean jdkHttpClientPresent() {
    try {
      Class.forName(
          "io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory",
          false,
          WithoutHttpClientProbe.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** {@code built: <source>}, or {@code failed: <exception class>: <message>}. */
  static String attempt() {
    try {
      return "built: " + EndpointSliceSource.builder("inventory").namespace("shop").build();
    } catch (RuntimeException e) {
      return "failed: " + e.getClass().getName() + ": " + e.getMessage();
    }
  }
}
