"""``pipesplit solve``: find the best split of a workload."""

from __future__ import annotations

import argparse
import sys

from ..cluster import format_bytes
from ..errors import PipesplitError, as_flags
from ..formats import check_output_path, dump_json, write_json
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
    g.add_argument("--time-limit", type=float, metavar="S",
                   help="integer programs stop after S seconds with their best split (default 300)")
    g.add_argument("--gap", type=float, help="integer programs stop at this relative gap (default 1e-4)")
    g.add_argument("--calls-per-accelerator", type=int, metavar="Q",
                   help="latency: each accelerator may run up to Q calls in order (default 1)")
    g.add_argument("--fwd-bwd", action="store_true",
                   help="integer programs minimize max forward load + max backward load")
    g.add_argument("--expert", metavar="SPLIT.json", help="the split file of --method expert")


IP = ("ip", "ip-noncontig")
# the methods that read each method flag, by objective ("*": every method); a flag given to methods
# that all ignore it gets a note
FLAG_USERS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    "time_limit": ("--time-limit", {"throughput": IP, "latency": IP}),
    "gap": ("--gap", {"throughput": IP, "latency": IP}),
    "fwd_bwd": ("--fwd-bwd", {"throughput": IP, "latency": ("ip-noncontig",)}),
    "calls_per_accelerator": ("--calls-per-accelerator", {"throughput": (), "latency": ("*",)}),
    "expert": ("--expert", {"throughput": ("expert",), "latency": ("expert",)}),
}


def ignored_flags(args: argparse.Namespace, methods: list[str]) -> list[str]:
    """One note per method flag given on the command line that none of ``methods`` reads."""
    notes = []
    for name, (flag, users) in FLAG_USERS.items():
        if getattr(args, name) is None or getattr(args, name) is False:
            continue
        used_by = users[args.objective]
        if "*" in used_by or any(m in used_by for m in methods):
            continue
        who = f"method {methods[0]} does" if len(methods) == 1 else f"methods {', '.join(methods)} do"
        where = f"only {', '.join(used_by)} read it" if used_by else "it applies to --objective latency"
        notes.append(f"note: {flag} is ignored under --objective {args.objective}: {who} not read it ({where})")
    return notes


def method_settings(args: argparse.Namespace):
    """The MethodSettings of the command line (defaults for flags not given); bad values are errors."""
    from ..solvers.run import MethodSettings
    time_limit = 300.0 if args.time_limit is None else args.time_limit
    gap = 1e-4 if args.gap is None else args.gap
    calls = 1 if args.calls_per_accelerator is None else args.calls_per_accelerator
    if not time_limit > 0:
        raise PipesplitError(f"{{time_limit}} must be a positive number of seconds, got {time_limit}")
    if not 0 <= gap < 1:
        raise PipesplitError(f"--gap must be at least 0 and below 1, got {gap}")
    if calls < 1:
        raise PipesplitError(f"{{calls_per_accelerator}} must be at least 1, got {calls}")
    return MethodSettings(time_limit=time_limit, gap=gap, split_objective=args.fwd_bwd,
                          calls_per_accelerator=calls, expert=args.expert)


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
    if args.output is not None:
        check_output_path(args.output, (args.workload,))
    if args.plot:
        plot.check(args)
    from ..solvers.run import run_method  # loads the compiled kernels

    latency = args.objective == "latency"
    method = args.method or ("ip" if latency else "auto")
    settings = method_settings(args)
    for note in ignored_flags(args, [method]):
        print(f"pipesplit: {note}", file=sys.stderr)
    sol = run_method(workload, cluster, method, args.objective, settings, progress=not args.quiet and not args.json)
    status = 1 if sol.violations else 0  # like evaluate: the split breaks a constraint
    if "note" in sol.stats:
        sol.stats["note"] = as_flags(sol.stats["note"])
    info = {"method": sol.method, "optimal": sol.optimal, "proof": sol.proof, "seconds": round(sol.seconds, 6),
            "stats": sol.stats}
    if args.output is not None:
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
        print(dump_json(out))
        return status
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
    if args.output is not None:
        lines.append(f"split written to {args.output} ({args.format} format)")
    if args.plot:
        lines.append(f"picture written to {args.plot}")
    print_result(workload, sol.evaluation, lines)
    return status
