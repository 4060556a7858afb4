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
/** lbkit's core: servers, selectors, health and the load balancer facade. */
@SuppressWarnings("requires-automatic") // Resilience4j ships an Automatic-Module-Name only
module io.lbkit.core {
  requires transitive com.google.common;
  requires io.github.resilience4j.core;
  requires transitive java.naming; // DnsServerSource.poll throws NamingException
  requires java.net.http;
  requires org.slf4j;
  requires static transitive org.jspecify;
  requires static transitive com.google.errorprone.annotations;

  exports io.lbkit.core;
}
