package io.lbkit.core;

import com.google.common.collect.ImmutableList;
import java.util.random.RandomGenerator;

/**
 * Power of two choices: two distinct endpoints drawn uniformly at random, the less loaded one by a
 * {@link LoadMetric} wins, a tie goes to the first draw (itself random). Drawing the second index
 * from n - 1 values and skipping the first makes the two always distinct, without a retry loop. No
 * shared state is written, so picks on different threads never contend here.
 */
final class PowerOfTwoChoicesSelector extends LoadMetricSelector {
  PowerOfTwoChoicesSelector(String name, LoadMetric metric) {
    super(name, metric);
  }

  @Override
  public Picker newPicker(PickerInputs inputs) {
    ImmutableList<Endpoint> endpoints = inputs.endpoints();
    RandomGenerator random = inputs.random();
    Endpoint[] array = endpoints.toArray(new Endpoint[0]);
    if (array.length == 1) {
      Endpoint only = array[0];
      return now -> only;
    }
    LoadMetric m = metric;
    int n = array.length;
    return now -> {
      int a = random.nextInt(n);
      int b = random.nextInt(n - 1);
      if (b >= a) {
        b++;
      }
      Endpoint first = array[a];
      Endpoint second = array[b];
      return m.load(second, now) < m.load(first, now) ? second : first;
    };
  }
}
