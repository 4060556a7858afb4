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
import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import org.jspecify.annotations.Nullable;

/**
 * DNS look-ups through the JDK's JNDI DNS provider, of one given server or the system's.
 *
 * <p>With a given server, A/AAAA records come from it too. Without one, addresses come from {@link
 * InetAddress#getAllByName} (which honours the hosts file and the JVM's address cache, and whose
 * timeouts are the operating system's), and SRV records from the servers the system is configured
 * with.
 */
final class JndiDns {
  // A dns:// URL naming the server to ask, or null for the system's DNS servers.
  private final @Nullable String serverUrl;
  private final String initialTimeoutMillis;

  /**
   * @param serverUrl such as {@code dns://127.0.0.1:5353}, or null for the system's
   * @param timeout the bound on one look-up, across its retries
   */
  JndiDns(@Nullable String serverUrl, Duration timeout) {
    this.serverUrl = serverUrl;
    // The provider tries once and retries twice, doubling the wait each time: t + 2t + 4t = 7t.
    this.initialTimeoutMillis = Long.toString(Math.max(1, timeout.toMillis() / 7));
  }

  /** Every address of {@code host}: an IP literal as it is, a name by its A and AAAA records. */
  List<InetAddress> addresses(String host) throws UnknownHostException, NamingException {
    if (InetAddresses.isInetAddress(host)) {
      return ImmutableList.of(InetAddresses.forString(host));
    }
    if (serverUrl == null) {
      return ImmutableList.copyOf(InetAddress.getAllByName(host));
    }
    ImmutableList.Builder<InetAddress> out = ImmutableList.builder();
    for (String text : records(host, "A", "AAAA")) {
      try {
        out.add(InetAddresses.forString(text.trim()));
      } catch (IllegalArgumentException e) {
        NamingException ne = new NamingException("malformed address record '" + text + "'");
        ne.setRootCause(e);
        throw ne;
      }
    }
    return out.build();
  }

  /** The SRV records of {@code name}, empty if it has none. */
  List<SrvRecord> srv(String name) throws NamingException {
    List<SrvRecord> out = new ArrayList<>();
    for (String text : records(name, "SRV")) {
      try {
        out.add(SrvRecord.parse(text));
      } catch (IllegalArgumentException e) {
        NamingException ne = new NamingException(e.getMessage());
        ne.setRootCause(e);
        throw ne;
      }
    }
    return out;
  }

  // JdkObsolete: InitialDirContext takes its environment as a Hashtable. BanJNDI: the danger is
  // lookup() deserializing objects from LDAP/RMI; the factory is fixed to the DNS provider and only
  // getAttributes is called, which gives record text, never objects.
  @SuppressWarnings({"JdkObsolete", "BanJNDI"})
  private List<String> records(String name, String... types) throws NamingException {
    Hashtable<String, String> env = new Hashtable<>();
    env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
    if (serverUrl != null) {
      env.put(Context.PROVIDER_URL, serverUrl);
    }
    env.put("com.sun.jndi.dns.timeout.initial", initialTimeoutMillis);
    env.put("com.sun.jndi.dns.timeout.retries", "3");
    DirContext context = new InitialDirContext(env);
    try {
      // A trailing dot: the name is absolute, never completed with the system's search domains.
      String absolute = name.endsWith(".") ? name : name + ".";
      Attributes attributes = context.getAttributes(absolute, types);
      List<String> out = new ArrayList<>();
      for (String type : types) {
        Attribute records = attributes.get(type);
        if (records == null) {
          continue;
        }
        NamingEnumeration<?> values = records.getAll();
        try {
          while (values.hasMore()) {
            out.add(String.valueOf(values.next()));
          }
        } finally {
          values.close();
        }
      }
      return out;
    } finally {
      context.close();
    }
  }
}
