package io.lbkit.benchmarks.sim;

/** CSV fields as RFC 4180 writes them. */
final class Csv {
  private Csv() {}

  /**
   * {@code text} as one field: as it is when it holds no comma, quote or line break, else in double
   * quotes with its quotes doubled.
   */
  static String field(String text) {
    if (text.indexOf(',') < 0
        && text.indexOf('"') < 0
        && text.indexOf('\n') < 0
        && text.indexOf('\r') < 0) {
      return text;
    }
    return '"' + text.replace("\"", "\"\"") + '"';
  }
}
