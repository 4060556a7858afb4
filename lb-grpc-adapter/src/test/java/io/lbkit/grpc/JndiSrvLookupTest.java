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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.naming.NameNotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JNDI SRV lookup against a minimal DNS server on the loopback interface (UDP, SRV answers
 * only), so the record text the JDK's DNS provider produces is parsed for real without any DNS
 * query leaving the machine.
 */
class JndiSrvLookupTest {
  private final LoopbackDns dns = new LoopbackDns();

  @AfterEach
  void stop() throws InterruptedException {
    dns.close();
  }

  @Test
  void srvRecordsComeBackFromTheDnsServer() throws Exception {
    dns.srv.put(
        "_grpc._tcp.inventory.internal",
        List.of(new int[] {10, 60, 9001}, new int[] {20, 0, 9002}));
    dns.targets.put("_grpc._tcp.inventory.internal", List.of("a.inventory.internal", "b.internal"));

    List<LbkitNameResolvers.SrvRecord> records =
        new LbkitNameResolvers.JndiSrvLookup(dns.url()).lookup("_grpc._tcp.inventory.internal");

    assertThat(records)
        .containsExactlyInAnyOrder(
            new LbkitNameResolvers.SrvRecord(10, 60, 9001, "a.inventory.internal"),
            new LbkitNameResolvers.SrvRecord(20, 0, 9002, "b.internal"));
    assertThat(dns.questions).contains("_grpc._tcp.inventory.internal");
  }

  @Test
  void unknownNameIsANameNotFoundException() {
    assertThatThrownBy(
            () -> new LbkitNameResolvers.JndiSrvLookup(dns.url()).lookup("_grpc._tcp.nothing.test"))
        .isInstanceOf(NameNotFoundException.class);
    assertThat(dns.questions).contains("_grpc._tcp.nothing.test");
  }

  /** Answers SRV questions from a map; every other name is NXDOMAIN. */
  private static final class LoopbackDns implements AutoCloseable {
    final Map<String, List<int[]>> srv = new ConcurrentHashMap<>();
    final Map<String, List<String>> targets = new ConcurrentHashMap<>();
    final List<String> questions = new CopyOnWriteArrayList<>();
    private final DatagramSocket socket;
    private final Thread thread;

    LoopbackDns() {
      try {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
      } catch (SocketException e) {
        throw new IllegalStateException(e);
      }
      thread = new Thread(this::serve, "loopback-dns");
      thread.setDaemon(true);
      thread.start();
    }

    String url() {
      return "dns://"
          + InetAddress.getLoopbackAddress().getHostAddress()
          + ":"
          + socket.getLocalPort();
    }

    private void serve() {
      byte[] buf = new byte[512];
      while (!socket.isClosed()) {
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(in);
          byte[] out = answer(ByteBuffer.wrap(in.getData(), 0, in.getLength()));
          socket.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
        } catch (java.io.IOException | RuntimeException e) {
          // Closed (the test is over) or a packet this tiny server does not understand.
        }
      }
    }

    private byte[] answer(ByteBuffer query) {
      int id = query.getShort() & 0xffff;
      query.position(12);
      int questionStart = 12;
      List<String> labels = new ArrayList<>();
      for (int len = query.get() & 0xff; len != 0; len = query.get() & 0xff) {
        byte[] label = new byte[len];
        query.get(label);
        labels.add(new String(label, StandardCharsets.US_ASCII));
      }
      int type = query.getShort() & 0xffff;
      query.getShort(); // class
      int questionEnd = query.position();
      String name = String.join(".", labels).toLowerCase(Locale.ROOT);
      questions.add(name);
      boolean found = srv.containsKey(name);
      List<int[]> answers = type == 33 ? srv.getOrDefault(name, List.of()) : List.of();
      List<String> names = targets.getOrDefault(name, List.of());

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer header = ByteBuffer.allocate(12);
      header.putShort((short) id);
      header.putShort((short) (0x8180 | (found ? 0 : 3))); // response, RD, RA; NXDOMAIN if unknown
      header.putShort((short) 1).putShort((short) answers.size()).putShort((short) 0);
      header.putShort((short) 0);
      out.write(header.array(), 0, 12);
      out.write(query.array(), query.arrayOffset() + questionStart, questionEnd - questionStart);
      for (int i = 0; i < answers.size(); i++) {
        int[] r = answers.get(i);
        byte[] target = encodeName(names.get(i));
        ByteBuffer rr = ByteBuffer.allocate(12 + 6 + target.length);
        rr.putShort((short) 0xc00c); // the question's name
        rr.putShort((short) 33).putShort((short) 1).putInt(30);
        rr.putShort((short) (6 + target.length));
        rr.putShort((short) r[0]).putShort((short) r[1]).putShort((short) r[2]).put(target);
        out.write(rr.array(), 0, rr.capacity());
      }
      return out.toByteArray();
    }

    private static byte[] encodeName(String name) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (String label : name.split("\\.")) {
        byte[] b = label.getBytes(StandardCharsets.US_ASCII);
        out.write(b.length);
        out.write(b, 0, b.length);
      }
      out.write(0);
      return out.toByteArray();
    }

    @Override
    public void close() throws InterruptedException {
      socket.close();
      thread.join(5000);
    }
  }
}
