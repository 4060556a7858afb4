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
package io.lbkit.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.lbkit.core.ActiveHealthCheck;
import io.lbkit.core.HealthState;
import io.lbkit.core.LoadBalancer;
import io.lbkit.core.Outcome;
import io.lbkit.core.OutlierDetection;
import io.lbkit.core.Selectors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTPS through the balancer: the certificate is verified against the logical host name (and SNI
 * carries it), never against the server's IP address, and a server whose certificate is for another
 * name is rejected and taken out.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TlsTest {
  private static final String LOGICAL = "inventory.test";

  private final List<Backend> backends = new ArrayList<>();
  private HandshakeCertificates clientCertificates = new HandshakeCertificates.Builder().build();
  private HandshakeCertificates inventoryCertificates = clientCertificates;
  private HandshakeCertificates otherCertificates = clientCertificates;

  @BeforeEach
  void certificates() {
    HeldCertificate root =
        new HeldCertificate.Builder().certificateAuthority(0).commonName("test root").build();
    HeldCertificate inventory =
        new HeldCertificate.Builder().addSubjectAlternativeName(LOGICAL).signedBy(root).build();
    // Signed by the same trusted root, so only the name is wrong.
    HeldCertificate other =
        new HeldCertificate.Builder()
            .addSubjectAlternativeName("other.test")
            .signedBy(root)
            .build();
    clientCertificates =
        new HandshakeCertificates.Builder().addTrustedCertificate(root.certificate()).build();
    inventoryCertificates =
        new HandshakeCertificates.Builder().heldCertificate(inventory, root.certificate()).build();
    otherCertificates =
        new HandshakeCertificates.Builder().heldCertificate(other, root.certificate()).build();
  }

  @AfterEach
  void tearDown() {
    backends.forEach(Backend::close);
  }

  @Test
  void certificateIsVerifiedAgainstTheLogicalNameAndAWrongOneIsRejectedAndEjected()
      throws Exception {
    Backend good1 = https("good-1", inventoryCertificates);
    Backend good2 = https("good-2", inventoryCertificates);
    Backend impostor = https("impostor", otherCertificates);
    try (LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(good1.server(), good2.server(), impostor.server())
            .outlierDetection(
                OutlierDetection.builder()
                    .consecutiveConnectFailures(2)
                    .disableSuccessRate()
                    .maxEjectionPercent(100)
                    .build())
            .build()) {
      OkHttpClient client = client(balancer);

      for (int i = 0; i < 12; i++) {
        try (Response r =
            client
                .newCall(new Request.Builder().url("https://" + LOGICAL + "/items").build())
                .execute()) {
          assertThat(r.code()).isEqualTo(200);
          // The handshake was verified for the logical name on a server with its certificate.
          assertThat(r.handshake()).isNotNull();
        }
      }

      // The impostor never got a request: its handshake failed before anything was sent, so
      // each request that went there moved on to a good server.
      assertThat(impostor.requests()).isZero();
      assertThat(good1.requests() + good2.requests()).isEqualTo(12);
      // Two handshake failures in a row (connect failures) ejected it.
      assertThat(balancer.health("impostor")).contains(HealthState.EJECTED);

      // The servers saw the logical name as SNI and as the Host header, not an IP address.
      RecordedRequest seen = good1.mockWebServer().takeRequest();
      assertThat(seen.getHandshakeServerNames()).containsExactly(LOGICAL);
      // (over HTTP/2 the Host header travels as the :authority pseudo-header)
      assertThat(seen.getUrl().host()).isEqualTo(LOGICAL);
      TestClients.shutdown(client);
    }
  }

  @Test
  void requestPinnedToAServerWithTheWrongCertificateFailsWithTheTlsError() throws Exception {
    Backend good = https("good", inventoryCertificates);
    Backend impostor = https("impostor", otherCertificates);
    try (LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(good.server(), impostor.server())
            .build()) {
      OkHttpClient client = client(balancer);

      Request request =
          new Request.Builder()
              .url("https://" + LOGICAL + "/items")
              .tag(ServerHint.class, ServerHint.pin("impostor"))
              .build();
      LoadBalancingException e =
          catchThrowableOfType(
              LoadBalancingException.class, () -> client.newCall(request).execute().close());

      assertThat(e.attempts())
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.server().id()).isEqualTo("impostor");
                assertThat(a.outcome()).isEqualTo(Outcome.CONNECT_FAILURE);
              });
      assertThat(e).hasCauseInstanceOf(SSLPeerUnverifiedException.class);
      assertThat(e.getCause()).hasMessageContaining(LOGICAL);
      assertThat(impostor.requests()).isZero();
      TestClients.shutdown(client);
    }
  }

  @Test
  void httpsHealthCheckVerifiesTheLogicalNameToo() throws Exception {
    Backend good = https("good", inventoryCertificates);
    Backend impostor = https("impostor", otherCertificates);
    OkHttpClient base =
        new OkHttpClient.Builder()
            .sslSocketFactory(
                clientCertificates.sslSocketFactory(), clientCertificates.trustManager())
            .build();
    OkHttpHealthChecker checker =
        OkHttpHealthChecker.builder(base).https().logicalHost(LOGICAL).path("/health").build();

    assertThat(checker.check(good.server(), Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS))
        .isTrue();
    assertThat(checker.check(impostor.server(), Duration.ofSeconds(2)))
        .failsWithin(3, TimeUnit.SECONDS)
        .withThrowableThat()
        .withCauseInstanceOf(SSLPeerUnverifiedException.class);

    // As the balancer's active check, the impostor is marked unhealthy.
    try (LoadBalancer balancer =
        LoadBalancer.builder()
            .selector(Selectors.roundRobin())
            .servers(good.server(), impostor.server())
            .healthCheck(
                ActiveHealthCheck.builder(checker)
                    .interval(Duration.ofMillis(200))
                    .timeout(Duration.ofMillis(200))
                    .unhealthyThreshold(1)
                    .build())
            .build()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (balancer.health("impostor").orElseThrow() != HealthState.UNHEALTHY
          && System.nanoTime() < deadline) {
        Thread.sleep(10); // waiting for real network checks, not for time to pass
      }
      assertThat(balancer.health("impostor")).contains(HealthState.UNHEALTHY);
      assertThat(balancer.health("good")).contains(HealthState.HEALTHY);
    }
    TestClients.shutdown(base);
  }

  private Backend https(String id, HandshakeCertificates certificates) throws Exception {
    Backend b = Backend.startHttps(id, certificates.sslSocketFactory());
    backends.add(b);
    return b;
  }

  private OkHttpClient client(LoadBalancer balancer) {
    return TestClients.builder(
            LoadBalancingInterceptor.builder().service(LOGICAL, balancer).build())
        .sslSocketFactory(clientCertificates.sslSocketFactory(), clientCertificates.trustManager())
        .build();
  }
}
