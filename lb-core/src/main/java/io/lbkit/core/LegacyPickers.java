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

import com.google.common.collect.ImmutableList;
import com.google.common.collect.MapMaker;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.random.RandomGenerator;

/**
 * The bridge between {@link Selector}'s deprecated {@code newPicker} methods and {@link
 * Selector#newPicker(PickerInputs)}, in whichever direction the selector needs: a selector written
 * against the old methods is called through them, and a caller of the old methods on a selector
 * that implements the new one gets inputs of the endpoints alone.
 */
final class LegacyPickers {
  private LegacyPickers() {}

  /**
   * The state of pickers built through the deprecated methods, per selector instance (held weakly,
   * by identity), so that such pickers carry on a rotation as they did when selectors kept it.
   */
  private static final ConcurrentMap<Selector, ConcurrentHashMap<Object, Object>> STORES =
      new MapMaker().weakKeys().makeMap();

  private static final ClassValue<Boolean> IMPLEMENTS_INPUTS =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          return declaredOutsideSelector(type, PickerInputs.class);
        }
      };

  private static final ClassValue<Boolean> IMPLEMENTS_RANDOM =
      new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
          return declaredOutsideSelector(type, ImmutableList.class, RandomGenerator.class);
        }
      };

  private static boolean declaredOutsideSelector(Class<?> type, Class<?>... parameters) {
    try {
      return type.getMethod("newPicker", parameters).getDeclaringClass() != Selector.class;
    } catch (NoSuchMethodException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A picker for a deprecated {@code newPicker} call.
   *
   * @param withRandom whether the call was {@code newPicker(endpoints, random)}
   */
  @SuppressWarnings("deprecation") // the bridge calls the deprecated methods on purpose
  static Selector.Picker newPicker(
      Selector selector,
      ImmutableList<Endpoint> endpoints,
      RandomGenerator random,
      boolean withRandom) {
    Class<?> type = selector.getClass();
    if (IMPLEMENTS_INPUTS.get(type)) {
      ConcurrentHashMap<Object, Object> store =
          STORES.computeIfAbsent(selector, s -> new ConcurrentHashMap<>());
      return selector.newPicker(PickerInputs.standalone(endpoints, random, store));
    }
    if (withRandom) {
      // Written against newPicker(endpoints), which takes no random source.
      return selector.newPicker(endpoints);
    }
    if (IMPLEMENTS_RANDOM.get(type)) {
      return selector.newPicker(endpoints, random);
    }
    throw new UnsupportedOperationException(
        "selector "
            + type.getName()
            + " implements no newPicker method: implement newPicker(PickerInputs)");
  }
}
