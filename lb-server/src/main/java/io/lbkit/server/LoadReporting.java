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
package io.lbkit.server;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What the HTTP filters (the JDK {@code HttpServer}'s and the Servlet one) share: the recorder, the
 * probe path and its check, which requests are probes, the header's value, the probe reply and
 * which status counts as failed. Each filter only adapts it to its server's request and response.
 */
final class LoadReporting {
  /** The probe path unless configured. */
  static final String DEFAULT_PROBE_PATH = "/lbkit/probe";

  /** The probe reply's content type: the header's text, as the body too. */
  static final String PROBE_CONTENT_TYPE = "text/plain; charset=utf-8";

  /** The probe reply's cache control: a load report is stale at once, no cache may keep it. */
  static final String PROBE_CACHE_CONTROL = "no-store";

  private final LoadRecorder recorder;
  private final String probePath;

  LoadReporting(LoadRecorder recorder, String probePath) {
    this.recorder = Objects.requireNonNull(recorder, "recorder");
    Objects.requireNonNull(probePath, "probePath");
    if (!probePath.startsWith("/") || probePath.contains("?") || probePath.contains("#")) {
      throw new IllegalArgumentException(
          "probePath must be an absolute path without query or fragment: \"" + probePath + "\"");
    }
    this.probePath = probePath;
  }

  LoadRecorder recorder() {
    return recorder;
  }

  String probePath() {
    return probePath;
  }

  /** Whether a request is a probe: a {@code GET} or {@code HEAD} of the probe path. */
  boolean isProbe(String method, String path) {
    return probePath.equals(path) && (method.equals("GET") || method.equals("HEAD"));
  }

  /** The header's value for the load now. */
  String header() {
    return LoadMetricsHeader.format(recorder.report());
  }

  /** The probe reply's body for a header value; none for a {@code HEAD}. */
  static byte[] probeBody(String method, String header) {
    return method.equals("HEAD") ? new byte[0] : header.getBytes(StandardCharsets.UTF_8);
  }

  /** Whether a response status counts the request as failed: 5xx, or none sent at all. */
  static boolean failed(int status) {
    return status < 100 || status >= 500;
  }

  /** The filters' description, for logs. */
  String description(String server) {
    return "lbkit load reporting for "
        + server
        + " ("
        + LoadMetricsHeader.NAME
        + ", probe path "
        + probePath
        + ")";
  }
}
