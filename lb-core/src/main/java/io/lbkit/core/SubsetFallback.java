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
 * What a {@linkplain Selectors#subset subset selector} does when no eligible server has all the
 * metadata a request requires (Envoy's subset {@code fallback_policy}).
 *
 * @since 0.1.0
 */
public enum SubsetFallback {
  /** Pick among all eligible servers, as if the request required nothing. */
  ANY_ENDPOINT,
  /**
   * Fail the pick with a {@link NoAvailableServerException} of reason {@link
   * NoAvailableServerException.Reason#NO_MATCHING_SUBSET}.
   */
  NO_ENDPOINT,
  /**
   * Pick among the servers of a configured default subset (for example {@code version=stable}); if
   * that is empty too, fail as {@link #NO_ENDPOINT} does.
   */
  DEFAULT_SUBSET
}
