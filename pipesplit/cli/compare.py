"""``pipesplit compare``: every applicable method on one workload, in one table."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..errors import PipesplitError
from ..formats import dump_json
from ..solvers.registry import METHOD_NAMES
from .common import add_cluster_flags, load_workload_and_cluster
from .solve import add_method_flags, ignored_flags, method_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("compare", help="run every method on a workload and compare them",
                       description="Run every applicable method (or --methods) and print one table: method, "
                                   "objective value, ratio to the best, proven optimal or gap, time.")
    c.add_argument("workload", metavar="WORKLOAD.json")
    add_cluster_flags(c)
    add_method_flags(c)
    c.add_argument("--methods", metavar="M1,M2", help=f"comma-separated subset of: {', '.join(METHOD_NAMES)}")
    c.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    c.set_defaults(run=run)


def compare_methods(workload, cluster, methods, objective, settings, progress=None) -> list[dict]:
    """One JSON-ready row per method (``pipesplit.compare``), errors naming command-line flags."""
    from ..api import compare
    return [r.as_dict(flags=True) for r in compare(workload, cluster, methods, objective, progress=progress,
                                                   **dataclasses.asdict(settings))]


def proof_text(row: dict, width: int) -> str:
    """The "optimal / gap" cell of a compare row: proven, its gap, heuristic, or what it violates."""
    if not row["feasible"]:
        return "infeasible: " + row["violations"][0][:width]
    if row["optimal"]:
        return "proven"
    if row.get("gap") is not None:
        return f"gap {row['gap']:.2%}"
    return "heuristic"


def format_table(rows: list[dict], unit: str, objective: str) -> str:
    head = ("method", f"{'latency' if objective == 'latency' else 'max load'} ({unit})", "ratio", "optimal / gap",
            "time (s)")
    lines = []
    for r in rows:
        if r.get("value") is None:
            lines.append((r["method"], "error", "", r["error"][:60], f"{r['seconds']:.2f}"))
            continue
        lines.append((r["method"], f"{r['value']:.4f}", f"{r['ratio']:.3f}" if r["ratio"] else "", proof_text(r, 48),
                      f"{r['seconds']:.2f}"))
    widths = [max(len(str(x[i])) for x in [head, *lines]) for i in range(len(head))]
    fmt = lambda row: "  ".join(str(c).ljust(w) if i in (0, 3) else str(c).rjust(w)
                                for i, (c, w) in enumerate(zip(row, widths)))
    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *(fmt(x) for x in lines)])


def run(args: argparse.Namespace) -> int:
    workload, cluster = load_workload_and_cluster(args)
    if args.methods is not None:
        methods = [m.strip() for m in args.methods.split(",") if m.strip()]
        if not methods:
            raise PipesplitError("--methods names no method; give e.g. --methods dp,ip")
    else:
        from ..solvers.run import applicable_methods
        methods = applicable_methods(args.objective, expert=bool(args.expert))
    settings = method_settings(args)
    for note in ignored_flags(args, [m for m in methods if m in METHOD_NAMES]):
        print(f"pipesplit: {note}", file=sys.stderr)
    show = not args.quiet and not args.json
    rows = compare_methods(workload, cluster, methods, args.objective, settings,
                           progress=(lambda s: print(s, file=sys.stderr, flush=True)) if show else None)
    failed = [r for r in rows if r.get("value") is None]
    if len(failed) == len(rows):
        raise PipesplitError(f"no method found a split; {failed[0]['method']}: {failed[0]['error']}")
    if args.json:
        print(dump_json({"workload": args.workload, "objective": args.objective, "time_unit": workload.time_unit,
                          "results": rows}))
    else:
        print(format_table(rows, workload.time_unit, args.objective))
    return 0
