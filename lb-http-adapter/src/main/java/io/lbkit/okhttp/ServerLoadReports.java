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

import io.lbkit.core.LoadReport;
import io.lbkit.server.LoadMetricsHeader;
import io.lbkit.server.ServerLoad;
import org.jspecify.annotations.Nullable;

/**
 * The load a server sent in the {@value LoadMetricsHeader#NAME} header, as lbkit's {@link
 * LoadReport}. Parsing is lb-server's ({@link LoadMetricsHeader}, the one parser of the text form);
 * this only maps its result onto the core's type.
 */
final class ServerLoadReports {
  private ServerLoadReports() {}

  /**
   * The report in a header value, or null when there is none: no header, another form than {@code
   * TEXT}, or no RIF (a server that speaks ORCA but not lbkit).
   */
  static @Nullable LoadReport fromHeader(@Nullable String header) {
    ServerLoad load = LoadMetricsHeader.parse(header);
    if (load == null) {
      return null;
    }
    int rif = load.requestsInFlightOrNegative();
    if (rif < 0) {
      return null;
    }
    // ServerLoad's caps equal LoadReport's, so these are in range; no latency means no recent
    // request, which LoadReport spells 0.
    return LoadReport.of(rif, Math.max(0, load.latencyNanos()), load.metrics());
  }
}
