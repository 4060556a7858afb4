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
package io.lbkit.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The report's JSON: what a JSON parser reads back, and nothing that could end a script. */
class JsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final String NASTY =
      "</script><script>alert('x')</script><!-- \" \\ & > \n\r\t\u0000\u001f\u007f"
          + "\u2028\u2029 caf\u00e9 \ud83d\ude00 lone \ud800 and \udc00";

  @Test
  void aJsonParserReadsBackWhatWasWritten() throws Exception {
    Map<String, @Nullable Object> map = new LinkedHashMap<>();
    map.put(NASTY, NASTY);
    map.put("numbers", List.of(1, -2L, 0.5, 1e-7, 123456789.0));
    map.put("flag", true);
    List<@Nullable Object> withNull = new ArrayList<>(Arrays.asList("a", null));
    map.put("list", withNull);

    String json = Json.write(map);
    Object back = MAPPER.readValue(json, Object.class);

    assertThat(back)
        .isEqualTo(
            Map.of(
                NASTY,
                NASTY,
                "numbers",
                List.of(1, -2, 0.5, 1e-7, 123456789.0),
                "flag",
                true,
                "list",
                withNull));
  }

  @Test
  void escapesEverythingThatMattersInsideAScriptElement() {
    String json = Json.quote(NASTY);

    assertThat(json).doesNotContain("<", ">", "&", "'", "\u2028", "\u2029", "\n", "\u0000");
    assertThat(json).contains("\\u003c/script\\u003e", "\\u2028", "\\ud800", "\ud83d\ude00");
    assertThat(json).startsWith("\"").endsWith("\"");
  }

  @Test
  void nonFiniteNumbersBecomeNullAndOtherTypesAreRefused() {
    assertThat(Json.write(List.of(Double.NaN, Double.POSITIVE_INFINITY, 2.0)))
        .isEqualTo("[null,null,2.0]");
    assertThat(Json.write(null)).isEqualTo("null");
    assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.write(Map.of(1, 2))).isInstanceOf(IllegalArgumentException.class);
  }
}
