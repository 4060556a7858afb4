package io.lbkit.core;

import java.util.List;

/**
 * A picker that sends each request to a part of its endpoints chosen from the request (a subset
 * routes by metadata). A retry that excludes servers must stay within the same part, so the
 * balancer asks this picker for the part and chooses among it with {@link Failover}.
 */
interface RoutingPicker extends Selector.Picker {

  /**
   * The endpoints a request with this context may go to, as a first pick would choose among them.
   *
   * @throws NoAvailableServerException when the request may go nowhere, as {@link
   *     #pick(PickContext, long)} would
   */
  List<Endpoint> candidates(PickContext context);
}
