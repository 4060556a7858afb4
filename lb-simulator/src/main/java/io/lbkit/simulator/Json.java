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
package io.lbkit.simulator;

import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A small JSON writer for the HTML report's data. Its output is safe to place inside an HTML {@code
 * <script>} element: besides what JSON requires it escapes {@code <}, {@code >}, {@code &}, the
 * quote characters and the JavaScript line terminators U+2028 and U+2029, so no string can end the
 * element, open a comment or break a line of script. A lone surrogate is written as an escape too,
 * so the output is well-formed UTF-16 (and so valid UTF-8 once encoded).
 */
final class Json {
  private Json() {}

  /**
   * {@code value} as JSON: {@code null}, a {@link String}, a {@link Boolean}, an {@link Integer} or
   * {@link Long}, a {@link Double} (non-finite ones as {@code null}, which charts show as gaps), a
   * {@link Map} with string keys, or an {@link Iterable} of these.
   *
   * @throws IllegalArgumentException for anything else
   */
  static String write(@Nullable Object value) {
    StringBuilder sb = new StringBuilder();
    append(sb, value);
    return sb.toString();
  }

  private static void append(StringBuilder sb, @Nullable Object value) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof String s) {
      quote(sb, s);
    } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
      sb.append(value);
    } else if (value instanceof Double d) {
      // Double.toString gives JSON's number syntax for finite values ("1.0E-5" included).
      sb.append(Double.isFinite(d) ? Double.toString(d) : "null");
    } else if (value instanceof Map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!(e.getKey() instanceof String)) {
          throw new IllegalArgumentException("JSON object keys are strings: " + e.getKey());
        }
        if (!first) {
          sb.append(',');
        }
        first = false;
        quote(sb, (String) e.getKey());
        sb.append(':');
        append(sb, e.getValue());
      }
      sb.append('}');
    } else if (value instanceof Iterable) {
      sb.append('[');
      boolean first = true;
      for (Object o : (Iterable<?>) value) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        append(sb, o);
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("not writable as JSON: " + value.getClass().getName());
    }
  }

  /** A JSON string literal of {@code s}, safe inside an HTML script element. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    quote(sb, s);
    return sb.toString();
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '<', '>', '&', '\'', '\u2028', '\u2029' -> unicode(sb, c);
        default -> {
          if (c < 0x20 || c == 0x7f) {
            unicode(sb, c);
          } else if (Character.isHighSurrogate(c)
              && i + 1 < s.length()
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            sb.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            unicode(sb, c);
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static void unicode(StringBuilder sb, char c) {
    sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
  }
}
