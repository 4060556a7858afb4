#!/usr/bin/env python3
"""Turn JMH JSON results into a Markdown table for the README.

Usage:
    python3 lb-benchmarks/jmh-table.py results.json [more.json ...] > table.md

Produce the JSON with JMH's "-rf json -rff results.json" (add "-prof gc" for the B/op column).
Columns: benchmark (class.method), params (plus threads when more than one), ns/op, its error
(99.9% confidence half-width as JMH reports it), and B/op (gc.alloc.rate.norm). Scores in other
time units are converted to ns/op; throughput scores are inverted. Standard library only.

When the results have an "impl" parameter (the peer benchmarks: RoundRobinPeers, LeastLoadedPeers,
...), a second table follows: per family, each lbkit entry (impl starting with
"lbkit") next to the fastest peer (any other impl) of the same benchmark method, other parameters
(servers, ...) and thread count, from the same JSON file (one JMH run), with the ratio
lbkit ns/op / peer ns/op (below 1: lbkit is faster) and both B/op, and the same ratio against
the fastest "same-path" peer: for an lbkit entry ending in "_full" (pick plus request
accounting) the fastest peer entry that also ends in "_full", for the others the fastest that
does not. Then, where a pick and a
pickAllCores result share their class and parameters (in any of the files), a contention table:
one-thread ns/op, all-cores ns/op and their ratio per implementation. --no-families leaves both
out.
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


def records(results, run=0):
    """One dict per JMH result: run, benchmark (class.method), params, threads, ns, error, bytes."""
    for r in results:
        benchmark = r["benchmark"].rsplit(".", 2)
        primary = r["primaryMetric"]
        error = primary.get("scoreError")
        error = float("nan") if error in (None, "NaN") else float(error)
        ns, ns_error = to_nanos_per_op(float(primary["score"]), error, primary["scoreUnit"])
        norm = (r.get("secondaryMetrics") or {}).get("gc.alloc.rate.norm")
        yield {
            "run": run,
            "benchmark": ".".join(benchmark[-2:]),
            "params": dict(r.get("params") or {}),
            "threads": r.get("threads", 1),
            "ns": ns,
            "error": ns_error,
            "bytes": float(norm["score"]) if norm else None,
        }


def is_lbkit(impl):
    return impl.startswith("lbkit")


def is_full(impl):
    """Whether an entry measures a full request path (pick plus accounting): impl ends in _full."""
    return impl.endswith("_full")


def family_rows(recs):
    """(benchmark, other params, threads, lbkit record, fastest peer, fastest same-path peer).

    The same-path peer is the fastest peer whose impl also ends in "_full" (or also does not),
    None when the family has none: a peer whose pick includes its request accounting is then
    compared with lbkit's full path, and a bare pick with lbkit's picker alone.
    """
    groups = {}
    for rec in recs:
        impl = rec["params"].get("impl")
        if impl is None:
            continue
        others = tuple(sorted((k, v) for k, v in rec["params"].items() if k != "impl"))
        key = (rec["run"], rec["benchmark"], others, rec["threads"])
        groups.setdefault(key, []).append(rec)

    def order(item):
        (run, benchmark, others, threads), _ = item
        # Numeric parameters (servers) in numeric order.
        as_sort = tuple((k, (0, int(v), "") if v.isdigit() else (1, 0, v)) for k, v in others)
        return (run, benchmark, threads, as_sort)

    for (run, benchmark, others, threads), group in sorted(groups.items(), key=order):
        peers = [r for r in group if not is_lbkit(r["params"]["impl"])]
        fastest = min(peers, key=lambda r: r["ns"]) if peers else None
        for rec in group:
            if is_lbkit(rec["params"]["impl"]):
                full = is_full(rec["params"]["impl"])
                same = [r for r in peers if is_full(r["params"]["impl"]) == full]
                fastest_same = min(same, key=lambda r: r["ns"]) if same else None
                yield benchmark, others, threads, rec, fastest, fastest_same


def fmt_ratio(lbkit_ns, peer_ns):
    if peer_ns is None or peer_ns <= 0:
        return "n/a"
    ratio = lbkit_ns / peer_ns
    return ("%.2fx" % ratio) if ratio < 10 else ("%.0fx" % ratio)


def family_table(recs):
    out = [
        "| Family | Params | lbkit | ns/op | B/op | Fastest peer | ns/op | B/op | lbkit / peer "
        "| Same-path peer | lbkit / it |",
        "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for benchmark, others, threads, rec, peer, same in family_rows(recs):
        params = ["%s=%s" % kv for kv in others]
        if threads > 1:
            params.append("threads=%d" % threads)
        out.append(
            "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
            % (
                benchmark,
                ", ".join(params),
                rec["params"]["impl"],
                fmt_number(rec["ns"]),
                fmt_bytes(rec["bytes"]),
                peer["params"]["impl"] if peer else "none",
                fmt_number(peer["ns"]) if peer else "n/a",
                fmt_bytes(peer["bytes"]) if peer else "n/a",
                fmt_ratio(rec["ns"], peer["ns"] if peer else None),
                same["params"]["impl"] if same else "none",
                fmt_ratio(rec["ns"], same["ns"] if same else None),
            )
        )
    return out if len(out) > 2 else []


def contention_table(recs):
    """Per implementation: one-thread ns/op (method pick) next to all-cores ns/op (pickAllCores)."""
    single = {}
    for rec in recs:
        cls, _, method = rec["benchmark"].rpartition(".")
        if method == "pick" and rec["threads"] == 1:
            single[(cls, tuple(sorted(rec["params"].items())))] = rec
    out = [
        "| Benchmark | Params | 1 thread ns/op | Threads | All cores ns/op | Ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for rec in recs:
        cls, _, method = rec["benchmark"].rpartition(".")
        one = single.get((cls, tuple(sorted(rec["params"].items()))))
        if method != "pickAllCores" or one is None:
            continue
        out.append(
            "| %s | %s | %s | %d | %s | %s |"
            % (
                cls,
                ", ".join("%s=%s" % kv for kv in rec["params"].items()),
                fmt_number(one["ns"]),
                rec["threads"],
                fmt_number(rec["ns"]),
                fmt_ratio(rec["ns"], one["ns"]),
            )
        )
    return out if len(out) > 2 else []


def rows(results):
    """(class.method, params text, ns/op, error, B/op) per JMH result, in the input order."""
    for rec in records(results):
        params = ["%s=%s" % kv for kv in rec["params"].items()]
        if rec["threads"] > 1:
            params.append("threads=%d" % rec["threads"])
        yield rec["benchmark"], ", ".join(params), rec["ns"], rec["error"], rec["bytes"]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="JMH JSON result files ('-' for stdin)")
    parser.add_argument(
        "--no-families",
        action="store_true",
        help="leave out the per-family lbkit vs fastest peer table",
    )
    args = parser.parse_args(argv)
    results = []
    recs = []
    for run, path in enumerate(args.files):
        if path == "-":
            loaded = json.load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as f:
                loaded = json.load(f)
        results.extend(loaded)
        # Each file is one JMH run: ratios only compare entries measured in the same run.
        recs.extend(records(loaded, run))
    out = [
        "| Benchmark | Params | ns/op | \u00b1 error | B/op |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for name, params, ns, ns_error, bytes_per_op in rows(results):
        out.append(
            "| %s | %s | %s | %s | %s |"
            % (name, params, fmt_number(ns), fmt_number(ns_error), fmt_bytes(bytes_per_op))
        )
    if not args.no_families:
        families = family_table(recs)
        if families:
            out.append("")
            out.append(
                "Per family: each lbkit entry against the fastest peer of the same benchmark, "
                "parameters and threads in the same run (lbkit / peer below 1: lbkit is faster)."
            )
            out.append("")
            out.extend(families)
        contention = contention_table(recs)
        if contention:
            out.append("")
            out.append(
                "Contention: the same implementation and parameters on one thread (pick) and on "
                "every core at once (pickAllCores), possibly from different runs."
            )
            out.append("")
            out.extend(contention)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
