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

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Typed access to the values of a policy's JSON config, each failure a {@link ConfigException}
 * naming the field by its path ({@code outlierDetection.baseEjectionTime}). JSON numbers arrive as
 * Double; maps built by hand may hold other Number types, which are accepted as long as their value
 * fits.
 */
final class JsonFields {
  // Protobuf JSON duration: decimal seconds with an "s" suffix, at most nanosecond precision.
  private static final Pattern DURATION = Pattern.compile("-?[0-9]+(\\.[0-9]{1,9})?s");

  private JsonFields() {}

  /** Fails on the first key of {@code json} that is not {@code allowed}. */
  static void checkFields(Map<String, ?> json, String path, Set<String> allowed) {
    for (String key : json.keySet()) {
      if (!allowed.contains(key)) {
        throw new ConfigException(
            "unknown field '" + path + key + "'; expected one of " + allowed, null);
      }
    }
  }

  private static @Nullable Object get(Map<String, ?> json, String key, String path) {
    Object o = json.get(key);
    if (o == null && json.containsKey(key)) {
      throw new ConfigException(path + key + " must not be null", null);
    }
    return o;
  }

  /** The object at {@code key}, or null if absent. */
  static @Nullable Map<String, ?> object(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o == null) {
      return null;
    }
    if (!(o instanceof Map)) {
      throw new ConfigException(path + key + " must be an object but was " + describe(o), null);
    }
    for (Object k : ((Map<?, ?>) o).keySet()) {
      if (!(k instanceof String)) {
        throw new ConfigException(path + key + " has a non-string key " + describe(k), null);
      }
    }
    @SuppressWarnings("unchecked") // keys checked above
    Map<String, ?> map = (Map<String, ?>) o;
    return map;
  }

  /** The list at {@code key}, or null if absent. */
  static @Nullable List<?> list(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o != null && !(o instanceof List)) {
      throw new ConfigException(path + key + " must be a list but was " + describe(o), null);
    }
    return (List<?>) o;
  }

  /** The string at {@code key}, or null if absent. */
  static @Nullable String string(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o != null && !(o instanceof String)) {
      throw new ConfigException(path + key + " must be a string but was " + describe(o), null);
    }
    return (String) o;
  }

  /** The boolean at {@code key}, or null if absent. */
  static @Nullable Boolean bool(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o != null && !(o instanceof Boolean)) {
      throw new ConfigException(path + key + " must be true or false but was " + describe(o), null);
    }
    return (Boolean) o;
  }

  /** The finite number at {@code key}, or null if absent. */
  static @Nullable Double number(Map<String, ?> json, String key, String path) {
    Object o = get(json, key, path);
    if (o == null) {
      return null;
    }
    if (!(o instanceof Number n)) {
      throw new ConfigException(path + key + " must be a number but was " + describe(o), null);
    }
    double d = n.doubleValue();
    if (!Double.isFinite(d)) {
      throw new ConfigException(path + key + " must be a finite number but was " + d, null);
    }
    return d;
  }

  /** The number at {@code key} that is an int, or null if absent. */
  static @Nullable Integer integer(Map<String, ?> json, String key, String path) {
    Double d = number(json, key, path);
    if (d == null) {
      return null;
    }
    if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
      throw new ConfigException(path + key + " must be an integer but was " + d, null);
    }
    return d.intValue();
  }

  /** The positive duration at {@code key} ("30s", "0.5s"), or null if absent. */
  static @Nullable Duration duration(Map<String, ?> json, String key, String path) {
    return duration(json, key, path, false);
  }

  /** The duration at {@code key}, positive or, if {@code zeroAllowed}, zero; null if absent. */
  static @Nullable Duration duration(
      Map<String, ?> json, String key, String path, boolean zeroAllowed) {
    Object o = get(json, key, path);
    if (o == null) {
      return null;
    }
    if (!(o instanceof String s) || !DURATION.matcher(s).matches()) {
      throw new ConfigException(
          path + key + " must be a duration such as \"30s\" or \"0.5s\" but was " + describe(o),
          null);
    }
    BigDecimal seconds = new BigDecimal(s.substring(0, s.length() - 1));
    Duration d;
    try {
      d = Duration.ofNanos(seconds.movePointRight(9).longValueExact());
    } catch (ArithmeticException e) {
      throw new ConfigException(path + key + " is too long: " + s, e);
    }
    if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
      throw new ConfigException(path + key + " must be positive but was " + s, null);
    }
    return d;
  }

  /** A JSON value as an error message shows it. */
  static String describe(@Nullable Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof String) {
      return "\"" + o + "\"";
    }
    if (o instanceof Map) {
      return "an object";
    }
    if (o instanceof List) {
      return "a list";
    }
    return String.valueOf(o);
  }

  /** Hands {@code value} to {@code setter} if the field was present (not null). */
  static <T> void ifPresent(@Nullable T value, Consumer<? super T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
