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
package io.lbkit.grpc;

import com.google.common.collect.ImmutableMap;
import io.grpc.ClientStreamTracer;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.Pick;
import io.lbkit.core.PickContext;
import io.lbkit.grpc.LbkitGrpcLoadBalancer.Child;
import org.jspecify.annotations.Nullable;

/**
 * The pickers {@link LbkitGrpcLoadBalancer} publishes, and the stream tracer that reports each
 * call's response start and outcome to its lbkit pick.
 */
final class LbkitPickers {
  private LbkitPickers() {}

  /**
   * The picker while some subchannel is ready: lbkit chooses, and the call's outcome goes back to
   * the lbkit pick. Immutable; thread-safe without locks. A pick allocates lbkit's {@link Pick}
   * handle and the tracer factory that completes it (plus gRPC's own {@link PickResult}); the
   * tracer itself is allocated only when gRPC starts the stream.
   */
  static final class ReadyPicker extends SubchannelPicker {
    private final io.lbkit.core.LoadBalancer balancer;
    private final ImmutableMap<String, Child> members;
    private final int failureCodes;
    private final Metadata.@Nullable Key<String> hashHeader;

    ReadyPicker(
        io.lbkit.core.LoadBalancer balancer,
        ImmutableMap<String, Child> members,
        int failureCodes,
        Metadata.@Nullable Key<String> hashHeader) {
      this.balancer = balancer;
      this.members = members;
      this.failureCodes = failureCodes;
      this.hashHeader = hashHeader;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      Pick pick;
      try {
        Metadata.Key<String> header = hashHeader;
        // The hash policies key the pick by the header's (last) value; a call without the header
        // gets a plain pick, which the hash selectors answer with a random server.
        String key = header == null ? null : args.getHeaders().get(header);
        pick = key == null ? balancer.pick() : balancer.pick(PickContext.ofHashKey(key));
      } catch (NoAvailableServerException e) {
        // Cheap (no stack trace). Wait-for-ready calls stay buffered until the next picker.
        return PickResult.withError(Status.UNAVAILABLE.withDescription(e.getMessage()));
      }
      Child c = members.get(pick.server().id());
      if (c == null || !c.ready) {
        // lbkit is a step ahead of or behind this picker: the subchannel is not (or no longer)
        // usable, and a new picker is on its way. gRPC would drop a pick of a non-ready
        // subchannel without ever starting a stream, so release the lbkit pick here.
        pick.close();
        return PickResult.withNoResult();
      }
      return PickResult.withSubchannel(c.subchannel, new OutcomeRecorder(pick, failureCodes));
    }

    @Override
    public String toString() {
      return "ReadyPicker{" + balancer + '}';
    }
  }

  /**
   * Creates the tracer that completes one lbkit pick when its call's stream closes.
   *
   * <p>A pick whose stream never starts is one gRPC discarded between picking and starting the
   * stream: the subchannel stopped being ready in that window, or the call was cancelled while
   * buffered. The picker closes most of the first window itself (it checks readiness after lbkit
   * chose); what remains is released by lbkit's in-flight expiry and, sooner, when the server's
   * lbkit member is removed.
   */
  static final class OutcomeRecorder extends ClientStreamTracer.Factory {
    private final Pick pick;
    private final int failureCodes;

    OutcomeRecorder(Pick pick, int failureCodes) {
      this.pick = pick;
      this.failureCodes = failureCodes;
    }

    @Override
    public ClientStreamTracer newClientStreamTracer(
        ClientStreamTracer.StreamInfo info, Metadata headers) {
      return new OutcomeTracer(pick, failureCodes);
    }

    Pick pick() {
      return pick;
    }
  }

  /**
   * Takes the pick's latency sample when the response starts (its headers, or its first message
   * from a server that sends none) and completes the pick once, when the stream closes: a long
   * server stream counts as in flight for its whole life but does not make its server look slow. A
   * failure counts as a failure whenever it happens. {@link Pick#responseStarted()} takes the
   * sample only the first time, so a later message or a trailers-only close records nothing more.
   */
  static final class OutcomeTracer extends ClientStreamTracer {
    private final Pick pick;
    private final int failureCodes;

    OutcomeTracer(Pick pick, int failureCodes) {
      this.pick = pick;
      this.failureCodes = failureCodes;
    }

    @Override
    public void inboundHeaders() {
      pick.responseStarted();
    }

    @Override
    public void inboundMessage(int seqNo) {
      if (seqNo == 0) {
        pick.responseStarted(); // no headers came first (an in-process server may send none)
      }
    }

    @Override
    public void streamClosed(Status status) {
      pick.complete(outcome(status.getCode(), failureCodes));
    }
  }

  /**
   * What a call's final status says about its server: OK is a success; a configured failure code is
   * a failure (DEADLINE_EXCEEDED a timeout); CANCELLED and an unconfigured DEADLINE_EXCEEDED are
   * the caller's doing and say nothing; any other code is an answer from a working server.
   */
  static Outcome outcome(Status.Code code, int failureCodes) {
    if (code == Status.Code.OK) {
      return Outcome.SUCCESS;
    }
    if (LbkitConfig.isFailure(failureCodes, code)) {
      return code == Status.Code.DEADLINE_EXCEEDED ? Outcome.TIMEOUT : Outcome.FAILURE;
    }
    if (code == Status.Code.CANCELLED || code == Status.Code.DEADLINE_EXCEEDED) {
      return Outcome.CANCELLED;
    }
    return Outcome.SUCCESS;
  }

  /** A picker that always gives the same result: buffer, or fail with a status. */
  static final class FixedPicker extends SubchannelPicker {
    private final PickResult result;

    FixedPicker(PickResult result) {
      this.result = result;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      return result;
    }

    @Override
    public String toString() {
      return "FixedPicker{" + result + '}';
    }
  }
}
