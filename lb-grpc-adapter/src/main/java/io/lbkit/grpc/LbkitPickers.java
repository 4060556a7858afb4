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
import io.lbkit.core.BalancerSnapshot;
import io.lbkit.core.Endpoint;
import io.lbkit.core.LoadReport;
import io.lbkit.core.NoAvailableServerException;
import io.lbkit.core.Outcome;
import io.lbkit.core.PickContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The pickers {@link LbkitGrpcLoadBalancer} publishes, and the stream tracer that reports each
 * call's response start and outcome to lbkit.
 */
final class LbkitPickers {
  private LbkitPickers() {}

  /**
   * The picker of one lbkit snapshot (gRPC's model: one picker per state): picks from exactly that
   * snapshot, whose endpoints were mapped to their subchannels when the picker was built.
   * Immutable; thread-safe without locks. A pick takes lbkit's allocation-free path (an endpoint
   * and a start time, no handle) and allocates only the tracer factory that carries them to the
   * call's stream (plus gRPC's own {@link PickResult}); the tracer is allocated when gRPC starts
   * the stream.
   */
  static final class ReadyPicker extends SubchannelPicker {
    private final BalancerSnapshot snapshot;
    private final io.lbkit.core.LoadBalancer balancer;
    private final ImmutableMap<String, ChildSubchannel> members;
    private final int failureCodes;
    private final Metadata.@Nullable Key<String> hashHeader;
    private final boolean loadReports;

    ReadyPicker(
        BalancerSnapshot snapshot,
        ImmutableMap<String, ChildSubchannel> members,
        int failureCodes,
        Metadata.@Nullable Key<String> hashHeader,
        boolean loadReports) {
      this.snapshot = snapshot;
      this.balancer = snapshot.balancer();
      this.members = members;
      this.failureCodes = failureCodes;
      this.hashHeader = hashHeader;
      this.loadReports = loadReports;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
      long start = balancer.pickStart();
      Endpoint endpoint;
      try {
        Metadata.Key<String> header = hashHeader;
        // The hash policies key the pick by the header's (last) value; a call without the header
        // gets a plain pick, which the hash selectors answer with a random server.
        String key = header == null ? null : args.getHeaders().get(header);
        endpoint =
            key == null
                ? snapshot.pickEndpoint(start)
                : snapshot.pickEndpoint(start, PickContext.ofHashKey(key));
      } catch (NoAvailableServerException e) {
        // Cheap (no stack trace). Wait-for-ready calls stay buffered until the next picker.
        return PickResult.withError(Status.UNAVAILABLE.withDescription(e.getMessage()));
      }
      ChildSubchannel c = members.get(endpoint.server().id());
      if (c == null || !c.ready) {
        // The subchannel stopped being ready after this snapshot was published, and a new picker
        // is on its way. gRPC would drop a pick of a non-ready subchannel without ever starting a
        // stream, so release the lbkit pick here.
        balancer.complete(endpoint, start, Outcome.CANCELLED, 0);
        return PickResult.withNoResult();
      }
      return PickResult.withSubchannel(
          c.subchannel, new OutcomeRecorder(balancer, endpoint, start, failureCodes, loadReports));
    }

    @Override
    public String toString() {
      return "ReadyPicker{" + snapshot + '}';
    }
  }

  /**
   * Creates the tracer that completes one lbkit pick when its call's stream closes.
   *
   * <p>A pick whose stream never starts is one gRPC discarded between picking and starting the
   * stream: the subchannel stopped being ready in that window, or the call was cancelled while
   * buffered. The picker closes most of the first window itself (it checks readiness after lbkit
   * chose); what remains is released by lbkit's in-flight expiry.
   */
  static final class OutcomeRecorder extends ClientStreamTracer.Factory {
    private final io.lbkit.core.LoadBalancer balancer;
    private final Endpoint endpoint;
    private final long start;
    private final int failureCodes;
    private final boolean loadReports;

    OutcomeRecorder(
        io.lbkit.core.LoadBalancer balancer,
        Endpoint endpoint,
        long start,
        int failureCodes,
        boolean loadReports) {
      this.balancer = balancer;
      this.endpoint = endpoint;
      this.start = start;
      this.failureCodes = failureCodes;
      this.loadReports = loadReports;
    }

    @Override
    public ClientStreamTracer newClientStreamTracer(
        ClientStreamTracer.StreamInfo info, Metadata headers) {
      return new OutcomeTracer(balancer, endpoint, start, failureCodes, loadReports);
    }

    /** The endpoint lbkit picked. */
    Endpoint endpoint() {
      return endpoint;
    }
  }

  /**
   * Notes when the response starts (its headers, or its first message from a server that sends
   * none) and completes the pick once, when the stream closes: a success reports the time to the
   * response's start as its latency, so a long server stream counts as in flight for its whole life
   * but does not make its server look slow; a failure reports the whole time, whenever it happens.
   * The endpoint and start time live in the tracer's fields: no lbkit handle per call.
   */
  static final class OutcomeTracer extends ClientStreamTracer {
    private static final VarHandle STATE;
    private static final int OPEN = 0;
    private static final int STARTING = 1;
    private static final int STARTED = 2;
    private static final int CLOSED = 3;

    static {
      try {
        STATE = MethodHandles.lookup().findVarHandle(OutcomeTracer.class, "state", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final io.lbkit.core.LoadBalancer balancer;
    private final Endpoint endpoint;
    private final long start;
    private final int failureCodes;
    private final boolean loadReports;

    // OPEN, STARTING while the response start is being reported, STARTED, CLOSED. Volatile and
    // moved by CAS: gRPC may call inboundHeaders and streamClosed on different threads. The start
    // is reported once (OPEN to STARTING), and the close, reported exactly once (a second report
    // would release another call's in-flight slot), waits out a start being reported so that it
    // never takes back a start that is not counted yet.
    @SuppressWarnings("UnusedVariable") // accessed through STATE
    private volatile int state;

    OutcomeTracer(
        io.lbkit.core.LoadBalancer balancer,
        Endpoint endpoint,
        long start,
        int failureCodes,
        boolean loadReports) {
      this.balancer = balancer;
      this.endpoint = endpoint;
      this.start = start;
      this.failureCodes = failureCodes;
      this.loadReports = loadReports;
    }

    /**
     * With probing configured, hands the load the server reported in the ORCA trailer (lb-server's
     * interceptor) to the balancer, for the probing selector: fresh load at no extra round trip.
     * Before {@link #streamClosed}, so the report is in before the call counts out.
     */
    @Override
    public void inboundTrailers(Metadata trailers) {
      if (loadReports) {
        LoadReport report = GrpcProbeTransport.fromTrailers(trailers);
        if (report != null) {
          balancer.reportLoad(endpoint, report);
        }
      }
    }

    @Override
    public void inboundHeaders() {
      responseStarted();
    }

    @Override
    public void inboundMessage(int seqNo) {
      if (seqNo == 0) {
        responseStarted(); // no headers came first (an in-process server may send none)
      }
    }

    private void responseStarted() {
      if ((int) STATE.getVolatile(this) == OPEN && STATE.compareAndSet(this, OPEN, STARTING)) {
        balancer.responseStarted(endpoint, start);
        STATE.setVolatile(this, STARTED);
      }
    }

    @Override
    public void streamClosed(Status status) {
      int was;
      for (; ; ) {
        was = (int) STATE.getVolatile(this);
        if (was == CLOSED) {
          return;
        }
        if (was == STARTING) {
          Thread.onSpinWait(); // the other thread is inside responseStarted: a few atomic updates
          continue;
        }
        if (STATE.compareAndSet(this, was, CLOSED)) {
          break;
        }
      }
      Outcome outcome = outcome(status.getCode(), failureCodes);
      if (was == STARTED) {
        // The start took the latency sample (time to first response): a success adds none.
        balancer.completeStarted(endpoint, start, outcome);
      } else {
        balancer.complete(endpoint, start, outcome);
      }
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
