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
package io.lbkit.grpc;

import io.grpc.Status;

/** A gRPC status as a log line shows it. */
final class StatusText {
  private StatusText() {}

  /** Code, description and cause, whichever it has. */
  static String describe(Status status) {
    if (status.isOk()) {
      return "the connection closed"; // IDLE: the server or the network ended the connection
    }
    StringBuilder out = new StringBuilder(status.getCode().toString());
    if (status.getDescription() != null) {
      out.append(": ").append(status.getDescription());
    }
    if (status.getCause() != null) {
      out.append(" (").append(status.getCause()).append(')');
    }
    return out.toString();
  }
}
