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
package io.lbkit.core;

/**
 * Vose's alias method: a table built in O(n) from n weights, after which a draw in proportion to
 * weight costs one uniform column, one comparison and at most two array reads. A column keeps
 * itself with probability {@code keep[column]} and otherwise yields its alias. Immutable: both
 * arrays are filled by the factory and never written again, so a table is shared by the threads of
 * the picker that holds it through its final field.
 */
final class AliasTable {
  private final double[] keep;
  private final int[] alias;

  private AliasTable(double[] keep, int[] alias) {
    this.keep = keep;
    this.alias = alias;
  }

  /** The table for choosing index i in proportion to {@code weights[i]}. */
  static AliasTable of(double[] weights) {
    int n = weights.length;
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double[] keep = new double[n];
    int[] alias = new int[n];
    double[] scaled = new double[n];
    // The columns below and at or above their fair share, as stacks of indices.
    int[] small = new int[n];
    int[] large = new int[n];
    int smalls = 0;
    int larges = 0;
    for (int i = 0; i < n; i++) {
      scaled[i] = weights[i] * n / total;
      if (scaled[i] < 1) {
        small[smalls++] = i;
      } else {
        large[larges++] = i;
      }
    }
    while (smalls > 0 && larges > 0) {
      int s = small[--smalls];
      int l = large[--larges];
      keep[s] = scaled[s];
      alias[s] = l;
      scaled[l] += scaled[s] - 1;
      if (scaled[l] < 1) {
        small[smalls++] = l;
      } else {
        large[larges++] = l;
      }
    }
    // What is left holds its fair share, up to rounding: it always keeps itself.
    while (larges > 0) {
      int l = large[--larges];
      keep[l] = 1;
      alias[l] = l;
    }
    while (smalls > 0) {
      int s = small[--smalls];
      keep[s] = 1;
      alias[s] = s;
    }
    return new AliasTable(keep, alias);
  }

  /**
   * The index a draw yields: {@code column} drawn uniformly from [0, n), {@code fraction} uniformly
   * from [0, 1) and independently of it.
   */
  int index(int column, double fraction) {
    return fraction < keep[column] ? column : alias[column];
  }
}
