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
package io.lbkit.server;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * The binary form of a load report: the ORCA message {@code xds.data.orca.v3.OrcaLoadReport} (gRFC
 * A51), which gRPC servers send in the {@value #TRAILER} trailer and which gRPC's own weighted
 * round robin and Envoy read. The one encoder and the one decoder of this form: lb-server's gRPC
 * interceptor and probe service write it, lbkit's gRPC adapter reads it.
 *
 * <p>Hand-written with protobuf-java's coded streams rather than taken from grpc-xds, whose
 * generated class would bring that whole artifact (xDS, ALTS, auth) to every service and client.
 * The fields, from {@code xds/data/orca/v3/orca_load_report.proto}:
 *
 * <pre>
 *  1 double cpu_utilization           written when non-zero; read
 *  2 double mem_utilization           written when non-zero; read
 *  3 uint64 rps (deprecated)          read when rps_fractional is absent
 *  4 map&lt;string, double&gt; request_cost  skipped
 *  5 map&lt;string, double&gt; utilization   skipped
 *  6 double rps_fractional            written when non-zero; read
 *  7 double eps                       written when non-zero; read
 *  8 map&lt;string, double&gt; named_metrics written (RIF and latency_ms first); read
 *  9 double application_utilization   skipped
 * </pre>
 *
 * A map entry is a nested message: 1 string key, 2 double value. Proto3 rules apply: zero scalars
 * are not written, unknown fields are skipped, a repeated scalar's last value wins.
 */
public final class OrcaLoadReports {
  /** The gRPC trailer (binary metadata) that carries a report. */
  public static final String TRAILER = "endpoint-load-metrics-bin";

  private static final int CPU_UTILIZATION = 1;
  private static final int MEM_UTILIZATION = 2;
  private static final int RPS = 3;
  private static final int RPS_FRACTIONAL = 6;
  private static final int EPS = 7;
  private static final int NAMED_METRICS = 8;
  private static final int ENTRY_KEY = 1;
  private static final int ENTRY_VALUE = 2;

  private OrcaLoadReports() {}

  /** The serialized {@code OrcaLoadReport} for a report. */
  public static byte[] encode(ServerLoad load) {
    Objects.requireNonNull(load, "load");
    int rif = load.requestsInFlightOrNegative();
    long latency = load.latencyNanos();
    int size =
        doubleSize(CPU_UTILIZATION, load.cpuUtilization())
            + doubleSize(MEM_UTILIZATION, load.memUtilization())
            + doubleSize(RPS_FRACTIONAL, load.rps())
            + doubleSize(EPS, load.eps());
    if (rif >= 0) {
      size += entrySize(ServerLoad.RIF_METRIC, rif);
    }
    if (latency >= 0) {
      size += entrySize(ServerLoad.LATENCY_METRIC, latency / 1e6);
    }
    for (Map.Entry<String, Double> e : load.namedMetrics().entrySet()) {
      size += entrySize(e.getKey(), e.getValue());
    }
    byte[] out = new byte[size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      writeDouble(cos, CPU_UTILIZATION, load.cpuUtilization());
      writeDouble(cos, MEM_UTILIZATION, load.memUtilization());
      writeDouble(cos, RPS_FRACTIONAL, load.rps());
      writeDouble(cos, EPS, load.eps());
      if (rif >= 0) {
        writeEntry(cos, ServerLoad.RIF_METRIC, rif);
      }
      if (latency >= 0) {
        writeEntry(cos, ServerLoad.LATENCY_METRIC, latency / 1e6);
      }
      for (Map.Entry<String, Double> e : load.namedMetrics().entrySet()) {
        writeEntry(cos, e.getKey(), e.getValue());
      }
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      // Only when the computed size is wrong: a bug here, not bad input.
      throw new IllegalStateException("OrcaLoadReport size miscomputed", e);
    }
    return out;
  }

  /**
   * Reads a serialized {@code OrcaLoadReport}. Lenient about values, because it reads what a remote
   * server sent: a negative or non-finite metric, or a named metric whose name the text header
   * could not carry, is skipped.
   *
   * @throws IllegalArgumentException if the bytes are not a well-formed protobuf message
   */
  public static ServerLoad decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    ServerLoad.Builder b = ServerLoad.builder();
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    double rpsFractional = -1;
    long rps = 0;
    try {
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        int field = WireFormat.getTagFieldNumber(tag);
        int type = WireFormat.getTagWireType(tag);
        if (type == WireFormat.WIRETYPE_FIXED64 && field == CPU_UTILIZATION) {
          set(b, "cpu_utilization", in.readDouble());
        } else if (type == WireFormat.WIRETYPE_FIXED64 && field == MEM_UTILIZATION) {
          set(b, "mem_utilization", in.readDouble());
        } else if (type == WireFormat.WIRETYPE_VARINT && field == RPS) {
          rps = in.readUInt64();
        } else if (type == WireFormat.WIRETYPE_FIXED64 && field == RPS_FRACTIONAL) {
          rpsFractional = in.readDouble();
        } else if (type == WireFormat.WIRETYPE_FIXED64 && field == EPS) {
          set(b, "eps", in.readDouble());
        } else if (type == WireFormat.WIRETYPE_LENGTH_DELIMITED && field == NAMED_METRICS) {
          readEntry(b, in);
        } else if (!in.skipField(tag)) {
          break; // an end-group tag at the top level: malformed, but nothing more to read
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not a well-formed OrcaLoadReport: " + e.getMessage(), e);
    }
    if (rpsFractional >= 0) {
      set(b, "rps", rpsFractional);
    } else if (rps > 0) {
      set(b, "rps", (double) rps);
    }
    return b.build();
  }

  private static void readEntry(ServerLoad.Builder b, CodedInputStream in) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    String key = "";
    double value = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      int type = WireFormat.getTagWireType(tag);
      if (field == ENTRY_KEY && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        key = in.readStringRequireUtf8();
      } else if (field == ENTRY_VALUE && type == WireFormat.WIRETYPE_FIXED64) {
        value = in.readDouble();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    in.popLimit(limit);
    try {
      b.namedMetric(key, value);
    } catch (IllegalArgumentException e) {
      // A bad name or value from the server: skipped, see decode().
    }
  }

  private static void set(ServerLoad.Builder b, String field, double value) {
    try {
      switch (field) {
        case "cpu_utilization" -> b.cpuUtilization(value);
        case "mem_utilization" -> b.memUtilization(value);
        case "eps" -> b.eps(value);
        default -> b.rps(value);
      }
    } catch (IllegalArgumentException e) {
      // A negative or non-finite value from the server: skipped, see decode().
    }
  }

  private static int doubleSize(int field, double value) {
    return value == 0 ? 0 : CodedOutputStream.computeDoubleSize(field, value);
  }

  private static void writeDouble(CodedOutputStream cos, int field, double value)
      throws IOException {
    if (value != 0) {
      cos.writeDouble(field, value);
    }
  }

  private static int entryBodySize(String key, double value) {
    return CodedOutputStream.computeStringSize(ENTRY_KEY, key)
        + CodedOutputStream.computeDoubleSize(ENTRY_VALUE, value);
  }

  private static int entrySize(String key, double value) {
    int body = entryBodySize(key, value);
    return CodedOutputStream.computeTagSize(NAMED_METRICS)
        + CodedOutputStream.computeUInt32SizeNoTag(body)
        + body;
  }

  private static void writeEntry(CodedOutputStream cos, String key, double value)
      throws IOException {
    cos.writeTag(NAMED_METRICS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    cos.writeUInt32NoTag(entryBodySize(key, value));
    cos.writeString(ENTRY_KEY, key);
    cos.writeDouble(ENTRY_VALUE, value);
  }
}
