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

import static io.lbkit.grpc.JsonFields.number;
import static io.lbkit.grpc.JsonFields.string;

import io.grpc.Metadata;
import io.lbkit.core.Selector;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Parses the settings of the hash policies: {@code hashHeader} (required) and, for bounded-load
 * hashing, {@code epsilon}.
 */
final class HashSelectorParser {
  private static final double DEFAULT_EPSILON = 0.25;
  // A gRPC metadata key: lowercase ASCII letters, digits, '-', '_' and '.'.
  private static final Pattern METADATA_KEY = Pattern.compile("[0-9a-z_.-]+");

  private HashSelectorParser() {}

  /**
   * The hash policy's selector, with bounded-load hashing's {@code epsilon} (greater than 0, 0.25
   * by default).
   *
   * @throws ConfigException naming the bad field
   */
  static Supplier<Selector> selector(HashKind hash, Map<String, ?> json) {
    double epsilon = DEFAULT_EPSILON;
    if (hash == HashKind.BOUNDED_LOAD_HASH) {
      Double e = number(json, "epsilon", "");
      if (e != null) {
        if (!(e > 0)) {
          throw new ConfigException("epsilon must be greater than 0 but was " + e, null);
        }
        epsilon = e;
      }
    }
    return hash.selector(epsilon);
  }

  /**
   * The metadata key named by {@code hashHeader}, whose value is the hash key.
   *
   * @throws ConfigException if it is missing, or not the name of a text header
   */
  static Metadata.Key<String> hashHeader(Map<String, ?> json) {
    String name = string(json, "hashHeader", "");
    if (name == null) {
      throw new ConfigException(
          "hashHeader is required: the metadata key whose value is the hash key, such as"
              + " \"x-session-id\"",
          null);
    }
    if (!METADATA_KEY.matcher(name).matches()) {
      throw new ConfigException(
          "hashHeader must be a metadata key of lowercase ASCII letters, digits, '-', '_' and '.'"
              + " but was \""
              + name
              + "\"",
          null);
    }
    if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
      throw new ConfigException(
          "hashHeader must name a text header, not a binary one ending in \"-bin\", but was \""
              + name
              + "\"",
          null);
    }
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
