"""``pipesplit solve``: find the best split of a workload."""

from __future__ import annotations

import argparse
import json

from ..cluster import format_bytes
from ..errors import as_flags
from ..formats import check_output_path, write_json
from ..formats.native import split_to_native
from ..formats.paper import latency_split_to_paper, split_to_paper
from ..solvers.registry import METHOD_NAMES, method_help
from . import plot
from .common import add_cluster_flags, load_workload_and_cluster, print_result


def add_method_flags(p: argparse.ArgumentParser) -> None:
    """--objective, --time-limit, --gap, --calls-per-accelerator, --fwd-bwd, --expert (solve and compare)."""
    g = p.add_argument_group("objective and methods")
    g.add_argument("--objective", choices=("throughput", "latency"), default="throughput",
                   help="throughput: min max load (default); latency: min single-sample latency")
    g.add_argument("--time-limit", type=float, default=300.0, metavar="S",
                   help="integer programs stop after S seconds with their best split (default 300)")
    g.add_argument("--gap", type=float, default=1e-4, help="integer programs stop at this relative gap (default 1e-4)")
    g.add_argument("--calls-per-accelerator", type=int, default=1, metavar="Q",
                   help="latency: each accelerator may run up to Q calls in order (default 1)")
    g.add_argument("--fwd-bwd", action="store_true",
                   help="integer programs minimize max forward load + max backward load")
    g.add_argument("--expert", metavar="SPLIT.json", help="the split file of --method expert")


def method_settings(args: argparse.Namespace):
    """The MethodSettings of the command line."""
    from ..solvers.run import MethodSettings
    return MethodSettings(time_limit=args.time_limit, gap=args.gap, split_objective=args.fwd_bwd,
                          calls_per_accelerator=args.calls_per_accelerator, expert=args.expert)


def add_parser(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("solve", help="find the best split of a workload",
                       description="Find the split that minimizes the max load (time per sample) over devices.")
    s.add_argument("workload", metavar="WORKLOAD.json", help="workload in the paper's or the native format")
    add_cluster_flags(s)
    s.add_argument("--method", default=None, choices=METHOD_NAMES, metavar="METHOD",
                   help="default: auto for throughput, ip for latency. " + method_help())
    add_method_flags(s)
    s.add_argument("-o", "--output", metavar="SPLIT.json", help="write the split here")
    s.add_argument("--format", choices=("native", "paper"), default="native", help="format of -o (default native)")
    plot.add_plot_flags(s, "--plot")
    s.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    workload, cluster = load_workload_and_cluster(args)
    if args.output:
        check_output_path(args.output, (args.workload,))
    if args.plot:
        plot.check(args)
    from ..solvers.run import run_method  # loads the compiled kernels

    latency = args.objective == "latency"
    method = args.method or ("ip" if latency else "auto")
    sol = run_method(workload, cluster, method, args.objective, method_settings(args),
                     progress=not args.quiet and not args.json)
    if "note" in sol.stats:
        sol.stats["note"] = as_flags(sol.stats["note"])
    info = {"method": sol.method, "optimal": sol.optimal, "proof": sol.proof, "seconds": round(sol.seconds, 6), "stats": sol.stats}
    if args.output:
        if args.format == "paper":
            data = (latency_split_to_paper(workload, sol.placement, sol.value) if latency
                    else split_to_paper(workload, sol.placement, sol.evaluation))
        else:
            data = split_to_native(workload, sol.placement, sol.evaluation, **info)
        write_json(args.output, data, inputs=(args.workload,))
    if args.plot:
        plot.draw(args, workload, cluster, sol.placement)
    if args.json:
        out = split_to_native(workload, sol.placement, sol.evaluation, **info)
        out["violations"] = sol.violations
        out["objective"], out["value"] = args.objective, sol.value
        print(json.dumps(out))
        return 0
    if sol.optimal:
        proof = "proven" + (f" ({sol.proof})" if sol.proof else "")
    elif sol.proof:  # optimal over a smaller space than the method's own
        proof = f"not proven over all splits of its kind; {sol.proof}"
    elif "gap" in sol.stats:
        proof = f"not proven: gap {sol.stats['gap']:.2%}, lower bound {sol.stats['bound']:.6f} ({sol.stats['status']})"
    else:
        proof = "not proven (heuristic)"
    lines = [f"method: {sol.method}" + (f" ({sol.stats['ideals']:,} ideals, {sol.stats['pairs']:,} pairs)"
                                         if "pairs" in sol.stats else ""),
             "optimal: " + proof,
             f"solve time: {sol.seconds:.3f} s",
             f"cluster: {cluster.accelerators} accelerators of {format_bytes(cluster.memory)}, {cluster.cpus} CPU cores"]
    if latency:
        lines.insert(0, f"latency: {sol.value:.6f} {workload.time_unit} per sample (single sample)")
    elif sol.stats.get("objective") == "fwd+bwd":
        lines.insert(0, f"max forward load + max backward load: {sol.value:.6f} {workload.time_unit}")
    if "note" in sol.stats:
        lines.append(f"note: {sol.stats['note']}")
    if "warning" in sol.stats:
        lines.append(f"warning: {sol.stats['warning']}")
    lines += [f"violation: {v}" for v in sol.violations]
    if args.output:
        lines.append(f"split written to {args.output} ({args.format} format)")
    if args.plot:
        lines.append(f"picture written to {args.plot}")
    print_result(workload, sol.evaluation, lines)
    return 0
