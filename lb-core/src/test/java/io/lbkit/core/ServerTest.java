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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableMap;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation, parsing, identity and copies of {@link Server}. */
class ServerTest {

  @Test
  void ofHasDefaultIdWeightZoneAndMetadata() {
    Server s = Server.of("10.0.0.1", 8080);

    assertThat(s.host()).isEqualTo("10.0.0.1");
    assertThat(s.port()).isEqualTo(8080);
    assertThat(s.id()).isEqualTo("10.0.0.1:8080");
    assertThat(s.address()).isEqualTo("10.0.0.1:8080");
    assertThat(s.weight()).isEqualTo(Server.DEFAULT_WEIGHT).isEqualTo(1.0);
    assertThat(s.zone()).isEmpty();
    assertThat(s.metadata()).isEmpty();
  }

  @Test
  void builderSetsEverything() {
    Server s =
        Server.builder("db-1.internal", 5432)
            .id("primary")
            .weight(2.5)
            .zone("eu-west-1a")
            .putMetadata("version", "v2")
            .putMetadata("role", "writer")
            .build();

    assertThat(s.id()).isEqualTo("primary");
    assertThat(s.address()).isEqualTo("db-1.internal:5432");
    assertThat(s.weight()).isEqualTo(2.5);
    assertThat(s.zone()).contains("eu-west-1a");
    assertThat(s.metadata())
        .containsExactly(Map.entry("version", "v2"), Map.entry("role", "writer"));
  }

  @Test
  void portRangeEndsAreValid() {
    assertThat(Server.of("h", 1).port()).isEqualTo(1);
    assertThat(Server.of("h", 65535).port()).isEqualTo(65535);
  }

  @Test
  void extremeButPositiveFiniteWeightsAreValid() {
    assertThat(Server.builder("h", 1).weight(Double.MIN_VALUE).build().weight())
        .isEqualTo(Double.MIN_VALUE);
    assertThat(Server.builder("h", 1).weight(Double.MAX_VALUE).build().weight())
        .isEqualTo(Double.MAX_VALUE);
  }

  // ---- bad input: every message names the bad value ----

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "   ", "\t", "\n"})
  void blankHostIsRejectedNamingIt(String host) {
    assertThatThrownBy(() -> Server.of(host, 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + host + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {" host", "host ", " host ", "my host", "a\tb", "a\nb", "a b.example"})
  void hostWithSpacesIsRejectedNamingIt(String host) {
    assertThatThrownBy(() -> Server.of(host, 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(host);
  }

  @ParameterizedTest
  @ValueSource(strings = {"host:80", "a:b"})
  void hostWithAPortIsRejectedNamingIt(String host) {
    assertThatThrownBy(() -> Server.of(host, 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(host);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "x@127.0.0.1",
        "user:pass@host",
        "host/path",
        "host?query",
        "host#fragment",
        "http://host",
        "-leading-hyphen",
        "trailing-hyphen-",
        "a..b",
        ".leading-dot",
        "caf\u00e9.example",
        "1.2.3",
        "256.0.0.1",
        "010.0.0.1",
        "1.2.3.4.5",
        "[host]",
        "[1.2.3.4]",
        "[::1",
        "::1]",
        "[::1]:80",
        "::1::2",
        "host:"
      })
  void hostThatIsNeitherANameNorAnIpLiteralIsRejectedNamingIt(String host) {
    assertThatThrownBy(() -> Server.of(host, 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + host + "'");
    // Through parse too, and the builder.
    assertThatThrownBy(() -> Server.builder(host, 80).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(host);
  }

  @Test
  void userInfoInAParsedAddressIsRejected() {
    assertThatThrownBy(() -> Server.parse("x@127.0.0.1:8080"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x@127.0.0.1");
  }

  @Test
  void hostNameLabelsAndNamesHaveTheirRfcLengths() {
    String label63 = "a".repeat(63);
    assertThat(Server.of(label63 + ".example", 80).host()).isEqualTo(label63 + ".example");
    assertThatThrownBy(() -> Server.of("a".repeat(64) + ".example", 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a".repeat(64));
    String name253 = (label63 + ".").repeat(3) + "a".repeat(61);
    assertThat(name253).hasSize(253);
    assertThat(Server.of(name253, 80).host()).isEqualTo(name253);
    assertThat(Server.of(name253 + ".", 80).host()).isEqualTo(name253 + ".");
    assertThatThrownBy(() -> Server.of(name253 + "a", 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 253 characters");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "localhost",
        "h",
        "inventory-7.internal",
        "web_1",
        "_grpc._tcp.example.com",
        "example.com.",
        "0.0.0.0",
        "255.255.255.255",
        "10.0.0.1",
        "3com.example",
        "::",
        "2001:db8::17",
        "::ffff:10.0.0.1",
        "fe80::1%eth0"
      })
  void hostNamesAndIpLiteralsAreAccepted(String host) {
    Server s = Server.of(host, 80);
    assertThat(s.host()).isEqualTo(host);
    assertThat(Server.of(s.host(), 80)).isEqualTo(s);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65536, 99999, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void portOutsideRangeIsRejectedNamingIt(int port) {
    assertThatThrownBy(() -> Server.of("h", port))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port")
        .hasMessageContaining(String.valueOf(port));
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {
        0.0,
        -0.0,
        -1.0,
        -Double.MIN_VALUE,
        Double.NaN,
        Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY
      })
  void weightThatIsNotPositiveAndFiniteIsRejectedNamingIt(double weight) {
    assertThatThrownBy(() -> Server.builder("h", 80).weight(weight).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight")
        .hasMessageContaining(String.valueOf(weight));
    Server valid = Server.of("h", 80);
    assertThatThrownBy(() -> valid.withWeight(weight))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(weight));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t "})
  void blankIdIsRejectedNamingIt(String id) {
    assertThatThrownBy(() -> Server.builder("h", 80).id(id).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id")
        .hasMessageContaining("'" + id + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t "})
  void blankZoneIsRejectedNamingIt(String zone) {
    assertThatThrownBy(() -> Server.builder("h", 80).zone(zone).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zone")
        .hasMessageContaining("'" + zone + "'");
    assertThatThrownBy(() -> Server.of("h", 80).withZone(zone))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + zone + "'");
  }

  @Test
  @SuppressWarnings("NullAway") // deliberately passing nulls
  void nullArgumentsAreRejectedNamingTheParameter() {
    Server.Builder b = Server.builder("h", 80);
    assertThatThrownBy(() -> Server.of(null, 80))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("host");
    assertThatThrownBy(() -> Server.builder(null, 80))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("host");
    assertThatThrownBy(() -> Server.parse(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("address");
    assertThatThrownBy(() -> b.id(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("id");
    assertThatThrownBy(() -> b.zone(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("zone");
    assertThatThrownBy(() -> b.metadata(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("metadata");
    assertThatThrownBy(() -> b.putMetadata(null, "v"))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
    assertThatThrownBy(() -> b.putMetadata("k", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("value");
    Map<String, String> withNullValue = new HashMap<>();
    withNullValue.put("k", null);
    assertThatThrownBy(() -> b.metadata(withNullValue)).isInstanceOf(NullPointerException.class);
    // The failed calls did not corrupt the builder.
    assertThat(b.build()).isEqualTo(Server.of("h", 80));
  }

  // ---- parse ----

  @Test
  void parsesHostAndPort() {
    Server s = Server.parse("inventory-7.internal:9090");
    assertThat(s.host()).isEqualTo("inventory-7.internal");
    assertThat(s.port()).isEqualTo(9090);
    assertThat(s).isEqualTo(Server.of("inventory-7.internal", 9090));
  }

  @Test
  void parsesBracketedIpv6() {
    Server s = Server.parse("[::1]:8080");
    assertThat(s.host()).isEqualTo("::1");
    assertThat(s.port()).isEqualTo(8080);
    assertThat(s.address()).isEqualTo("[::1]:8080");
    assertThat(s.id()).isEqualTo("[::1]:8080");

    Server full = Server.parse("[2001:db8::17]:443");
    assertThat(full.host()).isEqualTo("2001:db8::17");
    assertThat(full.address()).isEqualTo("[2001:db8::17]:443");
  }

  @Test
  void ipv6HostGivenWithOrWithoutBracketsIsStoredBare() {
    assertThat(Server.of("::1", 80).host()).isEqualTo("::1");
    assertThat(Server.of("::1", 80).address()).isEqualTo("[::1]:80");
    assertThat(Server.of("[::1]", 80).host()).isEqualTo("::1");
    assertThat(Server.of("[::1]", 80)).isEqualTo(Server.of("::1", 80));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a:b:c",
        "host:",
        "host:99999",
        "host:65536",
        "host:-1",
        "host:abc",
        "[::1",
        "[::1]",
        "[::1]:",
        "host",
        "10.0.0.1",
        ":8080",
        ""
      })
  void malformedAddressIsRejectedNamingIt(String address) {
    assertThatThrownBy(() -> Server.parse(address))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + address + "'");
  }

  @Test
  void parsedPortZeroIsRejectedNamingTheAddressAndThePort() {
    assertThatThrownBy(() -> Server.parse("host:0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'host:0'")
        .hasMessageContaining("port");
  }

  // ---- equals, hashCode, toString ----

  @Test
  void equalsAndHashCodeCoverEveryField() {
    Server base = Server.builder("h", 80).id("x").weight(2).zone("z").putMetadata("k", "v").build();
    Server same = Server.builder("h", 80).id("x").weight(2).zone("z").putMetadata("k", "v").build();

    assertThat(base).isEqualTo(same).isNotSameAs(same).hasSameHashCodeAs(same);
    assertThat(base).isNotEqualTo(null).isNotEqualTo("x");
    assertThat(base)
        .isNotEqualTo(base.toBuilder().id("y").build())
        .isNotEqualTo(
            Server.builder("g", 80).id("x").weight(2).zone("z").putMetadata("k", "v").build())
        .isNotEqualTo(
            Server.builder("h", 81).id("x").weight(2).zone("z").putMetadata("k", "v").build())
        .isNotEqualTo(base.withWeight(3))
        .isNotEqualTo(base.withZone("other"))
        .isNotEqualTo(base.withMetadata(ImmutableMap.of("k", "w")))
        .isNotEqualTo(base.withMetadata(ImmutableMap.of()));
    Server noZone = Server.builder("h", 80).id("x").weight(2).putMetadata("k", "v").build();
    assertThat(base).isNotEqualTo(noZone);
    assertThat(noZone).isNotEqualTo(base);
  }

  @Test
  void toStringShowsIdAndOnlyNonDefaultFields() {
    assertThat(Server.of("a", 80)).hasToString("Server{a:80}");
    assertThat(Server.parse("[::1]:80")).hasToString("Server{[::1]:80}");
    assertThat(Server.of("a", 80).withWeight(2.5)).hasToString("Server{a:80, weight=2.5}");
    assertThat(
            Server.builder("a", 80)
                .id("primary")
                .weight(3)
                .zone("z1")
                .putMetadata("k", "v")
                .build())
        .hasToString("Server{primary at a:80, weight=3.0, zone=z1, metadata={k=v}}");
  }

  // ---- copies and builders ----

  @Test
  void withWeightChangesOnlyTheWeight() {
    Server original = Server.builder("h", 80).id("x").zone("z").putMetadata("k", "v").build();

    Server heavier = original.withWeight(4);

    assertThat(heavier.weight()).isEqualTo(4.0);
    assertThat(heavier.id()).isEqualTo("x");
    assertThat(heavier.host()).isEqualTo("h");
    assertThat(heavier.port()).isEqualTo(80);
    assertThat(heavier.zone()).contains("z");
    assertThat(heavier.metadata()).containsExactly(Map.entry("k", "v"));
    assertThat(original.weight()).isEqualTo(1.0);
  }

  @Test
  void withWeightKeepsADefaultIdEvenThoughItIsNowExplicit() {
    Server s = Server.of("h", 80).withWeight(2);
    assertThat(s.id()).isEqualTo("h:80");
    assertThat(s).isEqualTo(Server.builder("h", 80).weight(2).build());
  }

  @Test
  void withZoneAndWithMetadataChangeOnlyTheirField() {
    Server original = Server.builder("h", 80).weight(2).zone("a").putMetadata("k", "v").build();

    Server moved = original.withZone("b");
    assertThat(moved.zone()).contains("b");
    assertThat(moved.weight()).isEqualTo(2.0);
    assertThat(moved.metadata()).containsExactly(Map.entry("k", "v"));

    Server relabelled = original.withMetadata(ImmutableMap.of("x", "1"));
    assertThat(relabelled.metadata()).containsExactly(Map.entry("x", "1"));
    assertThat(relabelled.zone()).contains("a");
    assertThat(original.metadata()).containsExactly(Map.entry("k", "v"));
    assertThat(original.zone()).contains("a");
  }

  @Test
  void toBuilderRoundTrips() {
    Server s = Server.builder("h", 80).id("x").weight(0.25).zone("z").putMetadata("k", "v").build();
    assertThat(s.toBuilder().build()).isEqualTo(s);
    Server noZone = Server.of("h", 80);
    assertThat(noZone.toBuilder().build()).isEqualTo(noZone);
  }

  @Test
  void builderIsReusableAndBuildDoesNotChangeIt() {
    Server.Builder b = Server.builder("h", 80).weight(2);
    Server first = b.build();
    Server second = b.build();
    assertThat(first).isEqualTo(second).isNotSameAs(second);

    b.weight(5).zone("z").putMetadata("k", "v");
    Server third = b.build();
    assertThat(third.weight()).isEqualTo(5.0);
    assertThat(third.zone()).contains("z");
    assertThat(first.weight()).isEqualTo(2.0);
    assertThat(first.zone()).isEmpty();
    assertThat(first.metadata()).isEmpty();
  }

  @Test
  void builderSurvivesAFailedBuild() {
    Server.Builder b = Server.builder("h", 80).weight(-1);
    assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class);
    assertThat(b.weight(1).build()).isEqualTo(Server.of("h", 80));
  }

  @Test
  void metadataIsCopiedFromTheCallersMap() {
    Map<String, String> source = new HashMap<>();
    source.put("k", "v");
    Server s = Server.builder("h", 80).metadata(source).build();

    source.put("k", "changed");
    source.put("other", "x");

    assertThat(s.metadata()).containsExactly(Map.entry("k", "v"));
  }

  @Test
  void putMetadataReplacesAnEarlierValueOfTheSameKey() {
    Server s =
        Server.builder("h", 80)
            .putMetadata("k", "1")
            .putMetadata("j", "2")
            .putMetadata("k", "3")
            .build();
    assertThat(s.metadata()).containsOnly(Map.entry("k", "3"), Map.entry("j", "2"));
  }
}
