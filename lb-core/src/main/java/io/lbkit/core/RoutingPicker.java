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
