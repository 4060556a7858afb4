#!/usr/bin/env python3
"""Turn JMH JSON results into a Markdown table for the README.

Usage:
    python3 lb-benchmarks/jmh-table.py results.json [more.json ...] > table.md

Produce the JSON with JMH's "-rf json -rff results.json" (add "-prof gc" for the B/op column).
Columns: benchmark (class.method), params (plus threads when more than one), ns/op, its error
(99.9% confidence half-width as JMH reports it), and B/op (gc.alloc.rate.norm). Scores in other
time units are converted to ns/op; throughput scores are inverted. Standard library only.
"""

import argparse
import json
import math
import sys

_NANOS = {"ns": 1.0, "us": 1e3, "\u00b5s": 1e3, "ms": 1e6, "s": 1e9, "min": 60e9}


def to_nanos_per_op(score, error, unit):
    """(ns/op, error in ns/op) for a JMH score in unit such as 'us/op' or 'ops/ms'."""
    left, _, right = unit.partition("/")
    if right == "op" and left in _NANOS:
        factor = _NANOS[left]
        return score * factor, error * factor
    if left == "ops" and right in _NANOS and score > 0:
        per_op = _NANOS[right] / score
        # First-order propagation of the error through 1/x.
        return per_op, per_op * error / score
    raise ValueError("cannot convert JMH unit '%s' to ns/op" % unit)


def fmt_number(x):
    if x is None or math.isnan(x):
        return "n/a"
    if abs(x) >= 1000:
        return "{:,.0f}".format(x)
    if abs(x) >= 100:
        return "%.0f" % x
    if abs(x) >= 10:
        return "%.1f" % x
    return "%.2f" % x


def fmt_bytes(x):
    if x is None:
        return "n/a"
    # The profiler's per-op figure is an average: a few bytes of JMH's own bookkeeping per
    # iteration show up as 10^-4 B/op on an allocation-free path.
    if abs(x) < 0.5:
        return "0"
    return "{:,.0f}".format(x)


def rows(results):
    for r in results:
        benchmark = r["benchmark"].rsplit(".", 2)
        name = ".".join(benchmark[-2:])
        params = ["%s=%s" % kv for kv in (r.get("params") or {}).items()]
        if r.get("threads", 1) > 1:
            params.append("threads=%d" % r["threads"])
        primary = r["primaryMetric"]
        error = primary.get("scoreError")
        error = float("nan") if error in (None, "NaN") else float(error)
        ns, ns_error = to_nanos_per_op(float(primary["score"]), error, primary["scoreUnit"])
        norm = (r.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm")
        bytes_per_op = float(norm["score"]) if norm else None
        yield name, ", ".join(params), ns, ns_error, bytes_per_op


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="JMH JSON result files ('-' for stdin)")
    args = parser.parse_args(argv)
    results = []
    for path in args.files:
        if path == "-":
            results.extend(json.load(sys.stdin))
        else:
            with open(path, encoding="utf-8") as f:
                results.extend(json.load(f))
    out = [
        "| Benchmark | Params | ns/op | \u00b1 error | B/op |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for name, params, ns, ns_error, bytes_per_op in rows(results):
        out.append(
            "| %s | %s | %s | %s | %s |"
            % (name, params, fmt_number(ns), fmt_number(ns_error), fmt_bytes(bytes_per_op))
        )
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
