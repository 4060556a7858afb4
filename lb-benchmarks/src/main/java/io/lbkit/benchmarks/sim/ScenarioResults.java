package io.lbkit.benchmarks.sim;

import com.google.common.collect.ImmutableList;

/**
 * The results of the policies run on one scenario, in the order they ran.
 *
 * @param scenario the scenario as it ran (shortened, if it was)
 * @param results one result per policy
 */
record ScenarioResults(Scenario scenario, ImmutableList<Result> results) {}
