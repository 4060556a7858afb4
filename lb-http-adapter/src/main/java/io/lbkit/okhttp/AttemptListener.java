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

import okhttp3.Call;
import okhttp3.EventListener;

/**
 * Watches one call's events to tell whether the current attempt may have reached a server.
 *
 * <p>An attempt that failed before OkHttp started writing the request headers (DNS, connect, TLS
 * handshake, a refused or reset connection) was seen by no server and may go to another server
 * whatever its method; one that failed later may have been processed. The interceptor resets the
 * flags before each attempt; attempts of one call run one after the other on the calling thread,
 * and the fields are volatile only because OkHttp does not promise on which thread it reports.
 */
final class AttemptListener extends EventListener {
  private volatile boolean requestStarted;
  private volatile boolean bodyStarted;

  void reset() {
    requestStarted = false;
    bodyStarted = false;
  }

  /** Whether the request headers started to be written: a server may have seen the request. */
  boolean requestStarted() {
    return requestStarted;
  }

  /** Whether the request body started to be written (a one-shot body is then consumed). */
  boolean bodyStarted() {
    return bodyStarted;
  }

  @Override
  public void requestHeadersStart(Call call) {
    requestStarted = true;
  }

  @Override
  public void requestBodyStart(Call call) {
    requestStarted = true;
    bodyStarted = true;
  }
}
