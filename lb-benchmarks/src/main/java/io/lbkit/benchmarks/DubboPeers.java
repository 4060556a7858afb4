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
package io.lbkit.benchmarks;

import io.lbkit.core.Server;
import java.util.ArrayList;
import java.util.List;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.rpc.RpcStatus;
import org.apache.dubbo.rpc.cluster.LoadBalance;
import org.apache.dubbo.rpc.model.ApplicationModel;

/**
 * Apache Dubbo 3.3.5's load balancers from dubbo-cluster, loaded as a Dubbo application does:
 * {@code ApplicationModel.defaultModel().getExtensionLoader(LoadBalance.class).getExtension(name)}.
 * The invokers are stubs whose URL is {@code dubbo://host:port/io.lbkit.Bench?weight=w} with the
 * same weights (1..10) as lbkit's servers and no warm-up timestamp (so no warm-up scaling).
 *
 * <ul>
 *   <li>Pick alone: {@code loadBalance.select(invokers, url, invocation)} with one {@link
 *       RpcInvocation} of method {@code call(String)} reused across calls, except for {@code
 *       adaptive}, which writes attributes and attachments into the invocation, so it gets a new
 *       {@code RpcInvocation} per call (as every Dubbo call has; the allocation is counted). For
 *       {@code consistenthash} the invocation's argument is the request key, so the pick includes
 *       Dubbo's MD5 of the key and its O(n) {@code invokers.hashCode()} check.
 *   <li>Full path ({@code _full}, for the statistics-driven balancers): the pick plus the {@link
 *       RpcStatus} bookkeeping Dubbo's {@code ActiveLimitFilter} does around a call: {@code
 *       RpcStatus.beginCount(url, method)} and {@code endCount(url, method, elapsed, true)}, with
 *       the two {@code System.currentTimeMillis()} reads.
 * </ul>
 */
final class DubboPeers {
  private DubboPeers() {}

  private static final String METHOD = "call";

  /**
   * {@code random}, {@code roundrobin}, {@code leastactive}, {@code shortestresponse}, {@code
   * consistenthash} or {@code adaptive}. {@code leastactive} and {@code shortestresponse} start
   * from per-server statistics: for {@code shortestresponse} one completed call per server with
   * {@link PeerKeys#latencyMicros} as its elapsed time.
   */
  static Peer of(String name, int servers, boolean fullPath) {
    LoadBalance lb =
        ApplicationModel.defaultModel().getExtensionLoader(LoadBalance.class).getExtension(name);
    List<Invoker<Object>> invokers = invokers(servers);
    URL consumerUrl = URL.valueOf("consumer://127.0.0.1/io.lbkit.Bench");
    if (name.equals("shortestresponse")) {
      for (int i = 0; i < invokers.size(); i++) {
        URL url = invokers.get(i).getUrl();
        RpcStatus.beginCount(url, METHOD);
        RpcStatus.endCount(url, METHOD, PeerKeys.latencyMicros(i), true);
      }
    }
    if (name.equals("adaptive")) {
      return Peer.of(i -> lb.select(invokers, consumerUrl, invocation(PeerKeys.key(i))));
    }
    if (name.equals("consistenthash")) {
      RpcInvocation invocation = invocation(PeerKeys.key(0));
      // One invocation per key, built once, so the measured call only selects.
      RpcInvocation[] byKey = new RpcInvocation[PeerKeys.COUNT];
      for (int i = 0; i < byKey.length; i++) {
        byKey[i] = invocation(PeerKeys.key(i));
      }
      check(lb.select(invokers, consumerUrl, invocation), name);
      return Peer.of(i -> lb.select(invokers, consumerUrl, byKey[i & (PeerKeys.COUNT - 1)]));
    }
    RpcInvocation invocation = invocation(PeerKeys.key(0));
    check(lb.select(invokers, consumerUrl, invocation), name);
    if (!fullPath) {
      return Peer.of(i -> lb.select(invokers, consumerUrl, invocation));
    }
    return Peer.of(
        i -> {
          Invoker<Object> chosen = lb.select(invokers, consumerUrl, invocation);
          URL url = chosen.getUrl();
          long begin = System.currentTimeMillis();
          RpcStatus.beginCount(url, METHOD);
          RpcStatus.endCount(url, METHOD, System.currentTimeMillis() - begin, true);
          return chosen;
        });
  }

  private static void check(Invoker<Object> chosen, String name) {
    if (chosen == null) {
      throw new IllegalStateException("Dubbo " + name + " selected nothing");
    }
  }

  private static RpcInvocation invocation(String key) {
    RpcInvocation invocation = new RpcInvocation();
    invocation.setMethodName(METHOD);
    invocation.setParameterTypes(new Class<?>[] {String.class});
    invocation.setArguments(new Object[] {key});
    return invocation;
  }

  private static List<Invoker<Object>> invokers(int n) {
    List<Invoker<Object>> out = new ArrayList<>(n);
    for (Server s : Fixtures.servers(n)) {
      out.add(
          new StubInvoker(
              URL.valueOf(
                  "dubbo://"
                      + s.host()
                      + ":"
                      + s.port()
                      + "/io.lbkit.Bench?weight="
                      + (int) s.weight())));
    }
    return out;
  }

  /** An invoker that is only ever selected, never invoked. */
  private static final class StubInvoker implements Invoker<Object> {
    private final URL url;

    StubInvoker(URL url) {
      this.url = url;
    }

    @Override
    public Class<Object> getInterface() {
      return Object.class;
    }

    @Override
    public Result invoke(Invocation invocation) {
      throw new UnsupportedOperationException("benchmark stub");
    }

    @Override
    public URL getUrl() {
      return url;
    }

    @Override
    public boolean isAvailable() {
      return true;
    }

    @Override
    public void destroy() {}
  }
}
