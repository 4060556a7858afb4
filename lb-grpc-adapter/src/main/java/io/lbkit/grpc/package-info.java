/**
 * lbkit for gRPC-Java: load-balancing policies selected by name ({@link
 * io.lbkit.grpc.LbkitPolicies}), a {@code lbkit:} name resolver for static weighted address lists,
 * and a {@code grpc.health.v1} health checker.
 *
 * <p>The policies register themselves through {@code META-INF/services}: adding this module to the
 * class path is enough, no code is needed beyond choosing a policy name in the channel's service
 * config. Nothing in this package accepts or returns null unless marked {@code @Nullable}.
 */
@NullMarked
package io.lbkit.grpc;

import org.jspecify.annotations.NullMarked;
