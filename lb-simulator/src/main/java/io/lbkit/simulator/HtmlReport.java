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
package io.lbkit.simulator;

import com.google.common.collect.ImmutableList;
import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * Writes {@code report.html}: one self-contained page (it opens offline, nothing is fetched) with
 * the quality goals and, per scenario, its description, its table and charts drawn by Apache
 * ECharts, whose script is inlined from its webjar. Text goes into the page through an HTML
 * escaper; the figures go in as one JSON document in a {@code <script type="application/json">}
 * element, written by {@link Json} so that no name can end the element, and the page's own script
 * (fixed text, no data in it) reads that document and draws the charts.
 */
final class HtmlReport {
  private HtmlReport() {}

  /** The report's file name. */
  static final String FILE_NAME = "report.html";

  /** The chart kinds drawn for each scenario, in page order. */
  static final ImmutableList<String> CHART_KINDS =
      ImmutableList.of(
          "latency", "outcomes", "shares", "timeline-p99", "timeline-failures", "timeline-share0");

  private static final String WEBJAR_PROPERTIES =
      "META-INF/maven/org.webjars.npm/echarts/pom.properties";
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();

  /**
   * Writes the report into {@code dir} (created if needed) and returns its path.
   *
   * @param runs the scenarios with their results, in page order
   * @param goals the evaluated quality goals
   * @param settings one line on how the results were made (seed, options)
   */
  static Path write(List<ScenarioResults> runs, List<Goal> goals, String settings, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE_NAME);
    Files.writeString(file, render(runs, goals, settings), StandardCharsets.UTF_8);
    return file;
  }

  /** The page as text. */
  static String render(List<ScenarioResults> runs, List<Goal> goals, String settings)
      throws IOException {
    ECharts echarts = ECharts.load();
    StringBuilder html = new StringBuilder(echarts.script.length() + 64 * 1024);
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>lbkit simulator report</title>\n<style>\n")
        .append(STYLE)
        .append("</style>\n<script>\n")
        .append(echarts.script)
        .append("\n</script>\n</head>\n<body>\n")
        .append("<h1>lbkit balancing simulator</h1>\n<p class=\"settings\">")
        .append(HTML.escape(settings))
        .append(
            "</p>\n<noscript><p>The charts need JavaScript; the tables do not.</p></noscript>\n");
    appendGoals(html, goals);
    html.append("<nav><h2>Scenarios</h2><ul>\n");
    for (int i = 0; i < runs.size(); i++) {
      ScenarioResults s = runs.get(i);
      html.append("<li><a href=\"#scenario-")
          .append(i)
          .append("\">")
          .append(HTML.escape(s.name()))
          .append("</a>: ")
          .append(HTML.escape(s.description()))
          .append("</li>\n");
    }
    html.append("</ul></nav>\n");
    for (int i = 0; i < runs.size(); i++) {
      appendScenario(html, i, runs.get(i));
    }
    html.append("<footer>Charts: Apache ECharts ")
        .append(HTML.escape(echarts.version))
        .append(" (Apache License 2.0), inlined in this page.</footer>\n")
        .append("<script type=\"application/json\" id=\"lbkit-data\">")
        .append(Json.write(data(runs)))
        .append("</script>\n<script>\n")
        .append(CHARTS_SCRIPT)
        .append("</script>\n</body>\n</html>\n");
    return html.toString();
  }

  private static void appendGoals(StringBuilder html, List<Goal> goals) {
    html.append("<section id=\"goals\"><h2>Quality goals</h2>\n<p>")
        .append(HTML.escape(Goals.summary(goals)))
        .append("</p>\n<table class=\"goals\">\n<thead><tr><th>goal</th><th>status</th>")
        .append("<th>target</th><th>measured</th></tr></thead>\n<tbody>\n");
    for (Goal g : goals) {
      html.append("<tr class=\"status-")
          .append(g.status().name().toLowerCase(Locale.ROOT).replace('_', '-'))
          .append("\"><td>")
          .append(HTML.escape(g.id()))
          .append("</td><td class=\"status\">")
          .append(HTML.escape(g.status().label()))
          .append("</td><td>")
          .append(HTML.escape(g.statement()))
          .append("</td><td>")
          .append(HTML.escape(g.measured()))
          .append("</td></tr>\n");
    }
    html.append("</tbody></table></section>\n");
  }

  private static void appendScenario(StringBuilder html, int index, ScenarioResults run) {
    ScenarioResults s = run;
    html.append("<section class=\"scenario\" id=\"scenario-")
        .append(index)
        .append("\">\n<h2>")
        .append(HTML.escape(s.name()))
        .append("</h2>\n<p class=\"description\">")
        .append(HTML.escape(s.description()))
        .append("</p>\n<table class=\"results\">\n<thead><tr>");
    for (String h : Report.TABLE_COLUMNS) {
      html.append("<th>").append(HTML.escape(h)).append("</th>");
    }
    html.append("</tr></thead>\n<tbody>\n");
    for (Result r : run.results()) {
      html.append("<tr>");
      List<String> cells = Report.tableCells(r);
      for (int c = 0; c < cells.size(); c++) {
        html.append(c == 0 ? "<td>" : "<td class=\"num\">")
            .append(HTML.escape(cells.get(c)))
            .append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</tbody></table>\n<div class=\"charts\">\n");
    for (String kind : CHART_KINDS) {
      html.append("<div class=\"chart\" id=\"s")
          .append(index)
          .append('-')
          .append(kind)
          .append("\" data-kind=\"")
          .append(kind)
          .append("\" data-scenario=\"")
          .append(index)
          .append("\"></div>\n");
    }
    html.append("</div>\n</section>\n");
  }

  /** The figures the charts draw, one entry per scenario in page order. */
  static List<Object> data(List<ScenarioResults> runs) {
    List<Object> scenarios = new ArrayList<>();
    for (ScenarioResults run : runs) {
      Map<String, @Nullable Object> s = new LinkedHashMap<>();
      s.put("name", run.name());
      s.put("description", run.description());
      s.put("servers", run.servers());
      List<Object> results = new ArrayList<>();
      for (Result r : run.results()) {
        results.add(result(r));
      }
      s.put("results", results);
      scenarios.add(s);
    }
    return scenarios;
  }

  private static Map<String, @Nullable Object> result(Result r) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("policy", r.policy());
    m.put("requests", r.requests());
    m.put("success", r.successRate());
    m.put("timeout", r.timeoutRate());
    m.put("error", r.errorRate());
    m.put("meanMs", r.meanMillis());
    m.put("p50Ms", r.p50Nanos() / 1e6);
    m.put("p99Ms", r.p99Nanos() / 1e6);
    m.put("p999Ms", r.p999Nanos() / 1e6);
    m.put("maxMs", r.maxNanos() / 1e6);
    m.put("pickRsd", r.pickRsd());
    m.put("ejections", r.ejections());
    m.put("probesPerRequest", r.probesPerRequest());
    m.put("shares", r.shares());
    List<@Nullable Object> start = new ArrayList<>();
    List<@Nullable Object> p99 = new ArrayList<>();
    List<@Nullable Object> failure = new ArrayList<>();
    List<@Nullable Object> share0 = new ArrayList<>();
    for (Slice slice : r.timeline()) {
      boolean idle = slice.requests() == 0;
      start.add(slice.startNanos() / 1e9);
      // An idle interval has no latency and no rates: a gap in the line, not a zero.
      p99.add(idle ? null : slice.p99Nanos() / 1e6);
      failure.add(idle ? null : slice.failureRate());
      boolean picked = slice.picks().stream().anyMatch(p -> p > 0);
      share0.add(picked && !slice.picks().isEmpty() ? slice.share(0) : null);
    }
    Map<String, @Nullable Object> timeline = new LinkedHashMap<>();
    timeline.put("startS", start);
    timeline.put("p99Ms", p99);
    timeline.put("failure", failure);
    timeline.put("share0", share0);
    m.put("timeline", timeline);
    return m;
  }

  /** The ECharts script from its webjar on the class path, and its version. */
  private static final class ECharts {
    final String version;
    final String script;

    private ECharts(String version, String script) {
      this.version = version;
      this.script = script;
    }

    static ECharts load() throws IOException {
      Properties p = new Properties();
      p.load(new java.io.StringReader(resource(WEBJAR_PROPERTIES)));
      String version = p.getProperty("version");
      if (version == null) {
        throw new IOException("no version in " + WEBJAR_PROPERTIES);
      }
      String script =
          resource("META-INF/resources/webjars/echarts/" + version + "/dist/echarts.min.js");
      String lower = script.toLowerCase(Locale.ROOT);
      // Either would end or confuse the inline script element; the bundle has neither.
      if (lower.contains("</script") || lower.contains("<!--")) {
        throw new IOException("echarts.min.js cannot be inlined as it is");
      }
      return new ECharts(version, script);
    }

    private static String resource(String name) throws IOException {
      try (InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(name)) {
        if (in == null) {
          throw new IOException(name + " is not on the class path (the echarts webjar)");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
  }

  private static final String STYLE =
      """
      body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
      table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
      th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; }
      td.num { text-align: right; font-variant-numeric: tabular-nums; }
      tr.status-met td.status { background: #d9f2d9; }
      tr.status-not-met td.status { background: #f8d0d0; font-weight: bold; }
      tr.status-skipped td.status, tr.status-not-evaluable td.status { background: #eee; color: #666; }
      section.scenario { border-top: 2px solid #888; margin-top: 2em; }
      .description { font-style: italic; }
      .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1em; }
      .chart { height: 360px; border: 1px solid #eee; }
      footer { margin-top: 2em; color: #666; font-size: 0.85em; }
      """;

  /**
   * Draws every {@code div.chart} from the JSON data. Fixed text: the data reaches it only through
   * {@code JSON.parse} and ECharts options, never as markup or code.
   */
  private static final String CHARTS_SCRIPT =
      """
      (function () {
        'use strict';
        var data = JSON.parse(document.getElementById('lbkit-data').textContent);
        function pos(v) { return v !== null && v > 0 ? v : null; }
        function pct(v) { return v === null ? null : v * 100; }
        function base(title, subtitle) {
          return {
            title: { text: title, subtext: subtitle, left: 'center', textStyle: { fontSize: 14 } },
            tooltip: { trigger: 'axis', confine: true },
            legend: { bottom: 0, itemGap: 8 },
            grid: { left: 40, right: 40, top: 60, bottom: 40, containLabel: true },
            // Twelve distinct colours: as many as there are policies, so no two lines look alike.
            color: ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1',
              '#ff9da7', '#9c755f', '#17becf', '#8c564b', '#bcbd22'],
            animation: false
          };
        }
        function policies(s) { return s.results.map(function (r) { return r.policy; }); }
        function fairLine(s) {
          return { silent: true, symbol: 'none', label: { formatter: '1/n' },
            lineStyle: { type: 'dashed', color: '#888' }, data: [{ yAxis: 100 / s.servers }] };
        }
        function timeline(s, title, subtitle, pick, yAxis, withFair) {
          var o = base(title, subtitle);
          o.xAxis = { type: 'value', name: 's', min: 0,
            axisLabel: { formatter: function (v) { return String(+v.toFixed(3)); } } };
          o.yAxis = yAxis;
          o.series = s.results.map(function (r, i) {
            var t = r.timeline;
            var series = { name: r.policy, type: 'line', showSymbol: false, connectNulls: false,
              data: t.startS.map(function (x, j) { return [x, pick(t, j)]; }) };
            if (withFair && i === 0) { series.markLine = fairLine(s); }
            return series;
          });
          return o;
        }
        var builders = {
          'latency': function (s) {
            var o = base(s.name + ': latency per policy', 'p50, p99, p99.9 in ms, log scale');
            o.xAxis = { type: 'category', data: policies(s), axisLabel: { rotate: 30 } };
            o.yAxis = { type: 'log', name: 'ms' };
            o.series = [['p50', 'p50Ms'], ['p99', 'p99Ms'], ['p99.9', 'p999Ms']].map(function (k) {
              return { name: k[0], type: 'bar',
                data: s.results.map(function (r) { return pos(r[k[1]]); }) };
            });
            return o;
          },
          'outcomes': function (s) {
            var o = base(s.name + ': outcomes per policy', '% of measured requests');
            o.yAxis = { type: 'category', data: policies(s), inverse: true };
            o.xAxis = { type: 'value', name: '%', max: 100 };
            var kinds = [['success', 'success', '#4caf50'], ['timeout', 'timeout', '#ff9800'],
              ['error', 'error', '#e53935']];
            o.series = kinds.map(function (k) {
              return { name: k[0], type: 'bar', stack: 'all', itemStyle: { color: k[2] },
                data: s.results.map(function (r) { return r[k[1]] * 100; }) };
            });
            return o;
          },
          'shares': function (s) {
            var o = base(s.name + ': share of requests per server', '% per server index; dashed: 1/n');
            var servers = [];
            for (var i = 0; i < s.servers; i++) { servers.push(String(i)); }
            o.xAxis = { type: 'category', name: 'server', nameLocation: 'middle', nameGap: 24,
              data: servers };
            var bars = s.servers <= 16;
            // Lines for many servers, and then not from zero: their differences are the point.
            o.yAxis = { type: 'value', name: '%', scale: !bars };
            o.series = s.results.map(function (r, i) {
              var series = { name: r.policy, type: bars ? 'bar' : 'line', showSymbol: false,
                data: r.shares.map(function (v) { return v * 100; }) };
              if (i === 0) { series.markLine = fairLine(s); }
              return series;
            });
            return o;
          },
          'timeline-p99': function (s) {
            return timeline(s, s.name + ': p99 latency over time',
              'ms per interval of arrival, log scale',
              function (t, j) { return pos(t.p99Ms[j]); }, { type: 'log', name: 'ms' }, false);
          },
          'timeline-failures': function (s) {
            return timeline(s, s.name + ': timeouts and errors over time',
              '% of the requests per interval of arrival',
              function (t, j) { return pct(t.failure[j]); }, { type: 'value', name: '%' }, false);
          },
          'timeline-share0': function (s) {
            return timeline(s, s.name + ': share of server 0 over time',
              '% of the picks per interval (server 0 is the disturbed one); dashed: 1/n',
              function (t, j) { return pct(t.share0[j]); }, { type: 'value', name: '%' }, true);
          }
        };
        var charts = [];
        document.querySelectorAll('div.chart').forEach(function (div) {
          var s = data[Number(div.getAttribute('data-scenario'))];
          var build = builders[div.getAttribute('data-kind')];
          if (!s || !build) { return; }
          var option = build(s);
          // A legend of one row per about five series: room for it under the plot.
          var rows = Math.ceil(option.series.length / 5);
          option.grid.bottom = 36 + 24 * rows;
          div.style.height = (376 + 24 * rows) + 'px';
          var chart = echarts.init(div);
          chart.setOption(option);
          charts.push(chart);
        });
        window.addEventListener('resize', function () {
          charts.forEach(function (c) { c.resize(); });
        });
      })();
      """;
}
