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

import java.util.List;
import org.junit.jupiter.api.Test;

/** SRV records as the JDK's DNS provider gives them, and RFC 2782's choice among them. */
class SrvRecordTest {
  @Test
  void recordTextFromTheDnsProviderParses() {
    SrvRecord r = SrvRecord.parse("10 60 5060 bigbox.example.com.");
    assertThat(r.priority()).isEqualTo(10);
    assertThat(r.weight()).isEqualTo(60);
    assertThat(r.port()).isEqualTo(5060);
    assertThat(r.target()).isEqualTo("bigbox.example.com");
    assertThat(r.isUsable()).isTrue();
    assertThat(r).isEqualTo(SrvRecord.of(10, 60, 5060, "bigbox.example.com"));
    assertThat(r).hasToString("10 60 5060 bigbox.example.com");
    assertThat(SrvRecord.parse("0 0 1 .").isUsable()).isFalse();
    assertThat(SrvRecord.parse("0 0 0 a.test.").isUsable()).isFalse();
    assertThat(SrvRecord.parse("0 0 1 a.test.").serverWeight()).isEqualTo(1.0);
  }

  @Test
  void malformedRecordsAreRefusedNamingTheText() {
    assertThatThrownBy(() -> SrvRecord.parse("10 60 bigbox.example.com."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed SRV record '10 60 bigbox.example.com.'");
    assertThatThrownBy(() -> SrvRecord.parse("10 60 70000 a.test."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SRV port must be in 0..65535 but was 70000");
    assertThatThrownBy(() -> SrvRecord.parse("x 60 80 a.test."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed SRV record 'x 60 80 a.test.'");
    assertThatThrownBy(() -> SrvRecord.of(-1, 0, 80, "a.test"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SRV priority must be in 0..65535 but was -1");
  }

  @Test
  void onlyTheUsableRecordsOfTheLowestPriorityArePreferred() {
    SrvRecord primary = SrvRecord.of(10, 1, 9001, "primary.test");
    SrvRecord backup = SrvRecord.of(20, 1, 9002, "backup.test");
    SrvRecord notHere = SrvRecord.of(5, 0, 0, ".");
    assertThat(SrvRecord.preferred(List.of(backup, notHere, primary))).containsExactly(primary);
    assertThat(SrvRecord.preferred(List.of(backup, notHere))).containsExactly(backup);
    assertThat(SrvRecord.preferred(List.of(notHere))).isEmpty();
  }
}
