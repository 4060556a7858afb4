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

/**
 * One quality goal of the simulator, judged on the results of one run: what it asks, whether it was
 * met and what was measured.
 *
 * @param id a short unique name, such as {@code S0/round_robin}
 * @param scenario the scenario whose results the goal reads
 * @param statement what the goal asks, in one line
 * @param status the verdict
 * @param measured the figures behind the verdict, or why there is none
 */
public record Goal(String id, String scenario, String statement, Status status, String measured) {

  /** A goal's verdict. */
  public enum Status {
    /** The results meet the goal. */
    MET("met"),
    /** The results do not meet the goal. */
    NOT_MET("NOT MET"),
    /** The goal's scenario or one of its policies was not run. */
    SKIPPED("skipped"),
    /** The results were there but cannot decide the goal (the reason is in the measured text). */
    NOT_EVALUABLE("not evaluable");

    private final String label;

    Status(String label) {
      this.label = label;
    }

    /** How the status reads in tables: upper case only for a missed goal, so it stands out. */
    public String label() {
      return label;
    }
  }
}
