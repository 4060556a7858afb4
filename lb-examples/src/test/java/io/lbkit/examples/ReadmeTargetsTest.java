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
package io.lbkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every gRPC target that a README's Java snippet passes to {@code ManagedChannelBuilder.forTarget}
 * builds a channel, the way a user's code would: with lbkit's adapter on the class path, a target
 * the README shows must find its name resolver and parse (a README's IPv6 {@code lbkit:} example
 * once failed for a user while every unit test passed).
 */
class ReadmeTargetsTest {
  private static final Pattern FOR_TARGET = Pattern.compile("forTarget\\(\"([^\"]+)\"\\)");

  @Test
  void everyTargetInASnippetBuildsAChannel() throws InterruptedException {
    Set<String> targets = new LinkedHashSet<>();
    for (Readmes.Block b : Readmes.blocks()) {
      if (b.language().equals("java")) {
        Matcher m = FOR_TARGET.matcher(b.text());
        while (m.find()) {
          targets.add(m.group(1));
        }
      }
    }
    assertThat(targets)
        .as("targets in the READMEs' snippets")
        .anyMatch(t -> t.startsWith("lbkit:"));
    List<String> failures = new ArrayList<>();
    for (String target : targets) {
      try {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
        channel.shutdownNow();
        assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
      } catch (RuntimeException e) {
        failures.add(target + ": " + e);
      }
    }
    assertThat(failures).as("README targets that do not build a channel").isEmpty();
  }
}
