/**
 * lbkit's core: {@link io.lbkit.core.Server}, {@link io.lbkit.core.LoadBalancer}, the {@link
 * io.lbkit.core.Selector} algorithms from {@link io.lbkit.core.Selectors}, and the {@link
 * io.lbkit.core.Pick} handle that reports each request's outcome.
 *
 * <p>Nothing in this package accepts or returns null unless marked {@code @Nullable}.
 */
@NullMarked
package io.lbkit.core;

import org.jspecify.annotations.NullMarked;
