"""``pipesplit compare``: every applicable method on one workload, in one table."""

from __future__ import annotations

import argparse
import math
import sys
import time

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
    """One row per method: value, feasible, optimal, gap, seconds, or the one-line error."""
    from ..solvers.run import run_method
    rows = []
    for method in methods:
        if progress:
            progress(f"running {method} ...")
        started = time.perf_counter()
        try:
            sol = run_method(workload, cluster, method, objective, settings)
        except PipesplitError as e:
            rows.append({"method": method, "value": None, "error": e.for_command_line(),
                         "seconds": time.perf_counter() - started})
            continue
        gap = 0.0 if sol.optimal and "gap" not in sol.stats else sol.stats.get("gap")
        rows.append({"method": method, "value": sol.value, "feasible": sol.evaluation.feasible,
                     "violations": sol.evaluation.violations, "optimal": bool(sol.optimal), "gap": gap,
                     "bound": sol.stats.get("bound"), "seconds": sol.seconds})
    best = min((r["value"] for r in rows if r.get("value") is not None and r.get("feasible")), default=math.nan)
    for r in rows:
        r["ratio"] = r["value"] / best if r.get("value") is not None and best and math.isfinite(best) else None
    return rows


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
    from ..solvers.run import applicable_methods
    workload, cluster = load_workload_and_cluster(args)
    if args.methods is not None:
        methods = [m.strip() for m in args.methods.split(",") if m.strip()]
        unknown = [m for m in methods if m not in METHOD_NAMES]
        if unknown:
            raise PipesplitError(f"unknown method '{unknown[0]}'; choose from {', '.join(METHOD_NAMES)}")
        if not methods:
            raise PipesplitError("--methods names no method; give e.g. --methods dp,ip")
    else:
        methods = applicable_methods(args.objective, expert=bool(args.expert))
    settings = method_settings(args)
    for note in ignored_flags(args, methods):
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
