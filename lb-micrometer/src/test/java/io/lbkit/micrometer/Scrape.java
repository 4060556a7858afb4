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
package io.lbkit.micrometer;

import com.google.common.base.Splitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads series out of a Prometheus text scrape, as Prometheus itself would. */
final class Scrape {
  private final String text;

  Scrape(String text) {
    this.text = text;
  }

  /**
   * The value of the one series named {@code name} whose labels include {@code labels} (label names
   * as Prometheus spells them); fails if there is none or more than one.
   */
  double value(String name, String... labels) {
    List<String> found = lines(name, labels);
    if (found.size() != 1) {
      throw new AssertionError(
          found.size() + " series " + name + " " + List.of(labels) + " in:\n" + text);
    }
    String line = found.get(0);
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  /** Every series line named {@code name} whose labels include {@code labels}. */
  List<String> lines(String name, String... labels) {
    Map<String, String> wanted = new TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      wanted.put(labels[i], labels[i + 1]);
    }
    List<String> out = new ArrayList<>();
    for (String line : Splitter.on('\n').split(text)) {
      if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
        continue;
      }
      boolean all = true;
      for (Map.Entry<String, String> e : wanted.entrySet()) {
        all &= line.contains(e.getKey() + "=\"" + e.getValue() + "\"");
      }
      if (all) {
        out.add(line);
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return text;
  }
}
