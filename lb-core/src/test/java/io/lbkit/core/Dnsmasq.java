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

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A real DNS server on 127.0.0.1 for the discovery tests: Debian's {@code dnsmasq}, on a free port,
 * answering only from a configuration file of the test's ({@code host-record=}, {@code srv-host=},
 * {@code address=} lines), and restarted to change its records (dnsmasq reads SRV records only at
 * start). It never forwards a query and never reads the hosts file.
 *
 * <p>When dnsmasq is not installed, {@link #start} fails with how to install it: the discovery
 * tests must run against a real DNS server, so they are never skipped silently.
 */
public final class Dnsmasq implements AutoCloseable {
  private static final InetAddress LOOPBACK = loopback();

  private final String binary;
  private final Path dir;
  private final int port;
  private @Nullable Process process;
  private int generation;

  private Dnsmasq(String binary, Path dir, int port) {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
  }

  /**
   * Starts dnsmasq on a free loopback port with these configuration lines.
   *
   * @throws AssertionError saying how to install dnsmasq if it is not installed
   */
  public static Dnsmasq start(String... config) throws IOException, InterruptedException {
    String binary = find();
    Path dir = Files.createTempDirectory("lbkit-dnsmasq");
    // dnsmasq needs the port for UDP and TCP; another process may take it between the check and
    // the start, so a port found taken is replaced by another.
    for (int attempt = 1; ; attempt++) {
      Dnsmasq d = new Dnsmasq(binary, dir, freePort());
      try {
        d.run(config);
        return d;
      } catch (PortTaken e) {
        if (attempt == 10) {
          throw new AssertionError("no free port for dnsmasq after 10 attempts", e);
        }
      }
    }
  }

  /** The server's address for {@code DnsServerSource.Builder.dnsServer}: {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /**
   * Stops the server and starts it again, on the same port, with these configuration lines. The
   * port may be held for a moment by another socket (a DNS client's ephemeral port, of this test or
   * of another process, can land on it while it is free): the start is retried for up to 10 s.
   */
  public void restart(String... config) throws IOException, InterruptedException {
    stop();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        run(config);
        return;
      } catch (PortTaken e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("port " + port + " stayed taken for 10 s after a stop", e);
        }
        Thread.sleep(20); // waiting for another process to let the port go
      }
    }
  }

  /** Stops the server; look-ups fail until {@link #restart}. */
  public void stop() throws InterruptedException {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    // The port is free again once it can be bound for UDP and TCP: what a restart needs.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((isBound() || isTcpBound()) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  /** Stops the server and deletes its files. */
  @Override
  public void close() throws InterruptedException, IOException {
    stop();
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
  }

  private void run(String... config) throws IOException, InterruptedException {
    generation++;
    Path conf = dir.resolve("dnsmasq-" + generation + ".conf");
    Files.write(conf, List.of(config), UTF_8);
    Path log = dir.resolve("dnsmasq-" + generation + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.add("--no-resolv");
    cmd.add("--no-hosts");
    cmd.add("--port=" + port);
    cmd.add("--listen-address=127.0.0.1");
    cmd.add("--bind-interfaces");
    cmd.add("--keep-in-foreground");
    cmd.add("--pid-file=" + dir.resolve("dnsmasq.pid"));
    cmd.add("--log-facility=-");
    cmd.add("--conf-file=" + conf);
    if ("root".equals(System.getProperty("user.name"))) {
      cmd.add("--user=root"); // no switch to an unprivileged user that cannot read the test files
    }
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    process = p;
    // Ready once it holds its UDP port.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!isBound()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        String output = Files.readString(log, UTF_8);
        if (output.contains("Address already in use")) {
          process = null;
          throw new PortTaken(output);
        }
        throw new AssertionError(
            "dnsmasq did not start on port " + port + ": " + String.join(" ", cmd) + "\n" + output);
      }
      Thread.sleep(10);
    }
  }

  private boolean isBound() {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
      return false;
    } catch (BindException e) {
      return true;
    } catch (SocketException e) {
      return true;
    }
  }

  private boolean isTcpBound() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(LOOPBACK, port));
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** A port free for both UDP and TCP on 127.0.0.1, as far as can be told now. */
  private static int freePort() throws IOException {
    while (true) {
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
        try (ServerSocket tcp = new ServerSocket()) {
          tcp.bind(new InetSocketAddress(LOOPBACK, s.getLocalPort()));
          return s.getLocalPort();
        } catch (BindException e) {
          // Taken for TCP: try another.
        }
      }
    }
  }

  /** dnsmasq found its port taken. */
  private static final class PortTaken extends IOException {
    private static final long serialVersionUID = 1L;

    PortTaken(String output) {
      super(output);
    }
  }

  private static String find() {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
    for (String d : dirs) {
      File f = new File(d, "dnsmasq");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    throw new AssertionError(
        "dnsmasq is not installed, and the DNS discovery tests run against a real DNS server:"
            + " install it (Debian/Ubuntu: apt-get install -y dnsmasq; .ci/run does so in CI)");
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
