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

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The results of the policies run on one scenario, in the order they ran, with what a report says
 * about the scenario.
 *
 * @param name the scenario's name
 * @param description the scenario's one-line description
 * @param servers the scenario's number of servers
 * @param results one result per policy
 */
record ScenarioResults(
    String name, String description, int servers, ImmutableList<Result> results) {

  /** The results of {@code scenario} (as it ran: shortened, if it was). */
  static ScenarioResults of(Scenario scenario, List<Result> results) {
    return new ScenarioResults(
        scenario.name(), scenario.description(), scenario.servers(), ImmutableList.copyOf(results));
  }
}
