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
