"""``pipesplit solve``: find the best split of a workload."""

from __future__ import annotations

import argparse
import json

from ..cluster import format_bytes
from ..formats import check_output_path, write_json
from ..formats.native import split_to_native
from ..formats.paper import split_to_paper
from ..solvers.registry import METHOD_NAMES
from .common import add_cluster_flags, load_workload_and_cluster, print_result


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("solve", help="find the best split of a workload",
                       description="Find the split that minimizes the max load (time per sample) over devices.")
    s.add_argument("workload", metavar="WORKLOAD.json", help="workload in the paper's or the native format")
    add_cluster_flags(s)
    s.add_argument("--method", default="dp", choices=METHOD_NAMES,
                   help="dp: exact over all contiguous splits (default); dp-linear: fast heuristic for huge graphs")
    s.add_argument("-o", "--output", metavar="SPLIT.json", help="write the split here")
    s.add_argument("--format", choices=("native", "paper"), default="native", help="format of -o (default native)")
    s.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    workload, cluster = load_workload_and_cluster(args)
    if args.output:
        check_output_path(args.output, (args.workload,))
    from ..solvers import solve  # loads the compiled kernels

    sol = solve(workload, cluster, args.method, progress=not args.quiet and not args.json)
    info = {"method": sol.method, "optimal": sol.optimal, "seconds": round(sol.seconds, 6), "stats": sol.stats}
    if args.output:
        data = (split_to_paper(workload, sol.placement, sol.evaluation) if args.format == "paper"
                else split_to_native(workload, sol.placement, sol.evaluation, **info))
        write_json(args.output, data, inputs=(args.workload,))
    if args.json:
        out = split_to_native(workload, sol.placement, sol.evaluation, **info)
        out["violations"] = sol.evaluation.violations
        print(json.dumps(out))
        return 0
    lines = [f"method: {sol.method}" + (f" ({sol.stats['ideals']:,} ideals, {sol.stats['pairs']:,} pairs)"
                                         if "pairs" in sol.stats else ""),
             "optimal: " + ("proven (optimal among contiguous splits)" if sol.optimal else "not proven (heuristic)"),
             f"solve time: {sol.seconds:.3f} s",
             f"cluster: {cluster.accelerators} accelerators of {format_bytes(cluster.memory)}, {cluster.cpus} CPU cores"]
    lines += [f"violation: {v}" for v in sol.evaluation.violations]
    if args.output:
        lines.append(f"split written to {args.output} ({args.format} format)")
    print_result(workload, sol.evaluation, lines)
    return 0
