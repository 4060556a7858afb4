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
package io.lbkit.benchmarks.sim;

import static io.lbkit.benchmarks.sim.TestResults.result;
import static io.lbkit.benchmarks.sim.TestResults.slice;
import static io.lbkit.benchmarks.sim.TestResults.timeline;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import io.lbkit.benchmarks.sim.Goal.Status;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report: self-contained, one chart of each kind per scenario, nothing unescaped. */
class HtmlReportTest {
  private static final String EVIL = "<img src=x onerror=alert(1)></script><script>alert(2)//";
  private static final Pattern DATA =
      Pattern.compile(
          "<script type=\"application/json\" id=\"lbkit-data\">(.*?)</script>", Pattern.DOTALL);

  private static ImmutableList<ScenarioResults> runs() {
    ImmutableList<Slice> timeline = timeline(60, t -> slice(t, t == 7 ? 3 : 0, 0, 60, 40));
    return ImmutableList.of(
        new ScenarioResults(
            "S1",
            "first & <b>bold</b>",
            2,
            ImmutableList.of(
                result("S1", "round_robin").timeline(timeline).build(),
                result("S1", EVIL).timeline(timeline).build())),
        new ScenarioResults(
            EVIL, EVIL, 2, ImmutableList.of(result(EVIL, "random").timeline(timeline).build())));
  }

  private static String echartsScript() throws Exception {
    ClassLoader loader = HtmlReportTest.class.getClassLoader();
    Properties p = new Properties();
    try (InputStream in =
        loader.getResourceAsStream("META-INF/maven/org.webjars.npm/echarts/pom.properties")) {
      p.load(in);
    }
    try (InputStream in =
        loader.getResourceAsStream(
            "META-INF/resources/webjars/echarts/"
                + p.getProperty("version")
                + "/dist/echarts.min.js")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void writesOneSelfContainedPageWithTheLibraryInlined(@TempDir Path dir) throws Exception {
    Goal goal = new Goal("S1", "S1", "target " + EVIL, Status.NOT_MET, "measured " + EVIL);

    Path file = HtmlReport.write(runs(), List.of(goal), "Seed 1 " + EVIL, dir);

    assertThat(file).isEqualTo(dir.resolve("report.html"));
    String page = Files.readString(file, StandardCharsets.UTF_8);
    String echarts = echartsScript();
    assertThat(echarts).hasSizeGreaterThan(500_000);
    // (Plain booleans: a failing AssertJ string comparison would print the megabyte.)
    assertThat(page.contains("<script>\n" + echarts + "\n</script>")).isTrue();
    String ours = page.replace(echarts, "");
    // Nothing is loaded from elsewhere: no external script, stylesheet or image.
    assertThat(ours).doesNotContain("<script src", "<link", "http://", "https://", "<img");
    // The library's script, the data and the page's own script; nothing else ends a script.
    assertThat(count(page, "</script>")).isEqualTo(3);
    assertThat(ours).contains("<tr class=\"status-not-met\"><td>S1</td>");
  }

  @Test
  void drawsOneChartOfEachKindPerScenario() throws Exception {
    String page = HtmlReport.render(runs(), List.of(), "settings").replace(echartsScript(), "");

    for (String kind : HtmlReport.CHART_KINDS) {
      assertThat(count(page, "data-kind=\"" + kind + "\"")).as(kind).isEqualTo(2);
      for (int scenario = 0; scenario < 2; scenario++) {
        assertThat(page)
            .contains(
                "<div class=\"chart\" id=\"s"
                    + scenario
                    + "-"
                    + kind
                    + "\" data-kind=\""
                    + kind
                    + "\" data-scenario=\""
                    + scenario
                    + "\"></div>");
      }
      // The page's script knows how to draw it.
      assertThat(page).contains("'" + kind + "': function (s)");
    }
    assertThat(count(page, "<section class=\"scenario\"")).isEqualTo(2);
    assertThat(count(page, "<table class=\"results\">")).isEqualTo(2);
  }

  @Test
  void escapesNamesInTheMarkupAndCarriesThemIntactInTheData() throws Exception {
    Goal goal = new Goal("S1", "S1", "target " + EVIL, Status.MET, "measured " + EVIL);
    String page =
        HtmlReport.render(runs(), List.of(goal), "Seed 1 " + EVIL).replace(echartsScript(), "");

    assertThat(page).doesNotContain("<img", "<b>", "<script>alert");
    assertThat(page)
        .contains("&lt;img src=x onerror=alert(1)&gt;&lt;/script&gt;&lt;script&gt;alert(2)//")
        .contains("first &amp; &lt;b&gt;bold&lt;/b&gt;");

    Matcher m = DATA.matcher(page);
    assertThat(m.find()).isTrue();
    JsonNode data = new ObjectMapper().readTree(m.group(1));
    assertThat(data).hasSize(2);
    assertThat(data.get(0).get("description").asText()).isEqualTo("first & <b>bold</b>");
    assertThat(data.get(0).get("results").get(1).get("policy").asText()).isEqualTo(EVIL);
    assertThat(data.get(1).get("name").asText()).isEqualTo(EVIL);
    JsonNode first = data.get(0).get("results").get(0);
    assertThat(first.get("shares")).hasSize(2);
    assertThat(first.get("shares").get(0).asDouble()).isEqualTo(0.6);
    JsonNode t = first.get("timeline");
    assertThat(t.get("startS")).hasSize(60);
    assertThat(t.get("startS").get(7).asDouble()).isEqualTo(7.0);
    assertThat(t.get("failure").get(7).asDouble()).isEqualTo(0.03);
    assertThat(t.get("p99Ms").get(7).asDouble()).isEqualTo(1000.0);
    assertThat(t.get("share0").get(7).asDouble()).isEqualTo(0.6);
  }

  @Test
  void idleIntervalsAreGapsNotZeros() throws Exception {
    ImmutableList<Slice> timeline = timeline(60, t -> slice(t, 0, 0, t < 30 ? 10 : 0, 0));
    ScenarioResults run =
        new ScenarioResults(
            "S1",
            "d",
            2,
            ImmutableList.of(result("S1", "random").timeline(timeline).shares(1.0, 0.0).build()));

    JsonNode t =
        new ObjectMapper()
            .readTree(Json.write(HtmlReport.data(List.of(run))))
            .get(0)
            .get("results")
            .get(0)
            .get("timeline");

    assertThat(t.get("p99Ms").get(29).isNull()).isFalse();
    assertThat(t.get("p99Ms").get(30).isNull()).isTrue();
    assertThat(t.get("failure").get(30).isNull()).isTrue();
    assertThat(t.get("share0").get(30).isNull()).isTrue();
  }
}
