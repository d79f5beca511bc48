"""The ``pipesplit`` command: solve, evaluate."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__
from .cluster import Cluster, format_bytes, parse_bytes
from .errors import PipesplitError
from .formats import load_split, load_workload, write_json
from .formats.native import split_to_native
from .formats.paper import split_to_paper
from .placement import Evaluation, Placement, contiguity_violations, evaluate
from .report.table import device_table
from .workload import Workload

METHOD_NAMES = ("dp", "dp-linear")  # kept here so that --help does not load the compiled solvers


def _cluster_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("cluster (overrides the workload file's)")
    g.add_argument("--accelerators", "-k", type=int, metavar="K", help="number of accelerators")
    g.add_argument("--cpus", "-l", type=int, metavar="L", help="number of CPU cores")
    g.add_argument("--memory", "-m", metavar="SIZE", help="memory per accelerator, e.g. 16GiB, 512MB or inf")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipesplit",
        description="Optimal pipeline splits of DNN graphs across accelerators and CPU cores.")
    parser.add_argument("--version", action="version", version=f"pipesplit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("solve", help="find the best split of a workload",
                       description="Find the split that minimizes the max load (time per sample) over devices.")
    s.add_argument("workload", metavar="WORKLOAD.json", help="workload in the paper's or the native format")
    _cluster_flags(s)
    s.add_argument("--method", default="dp", choices=METHOD_NAMES,
                   help="dp: exact over all contiguous splits (default); dp-linear: fast heuristic for huge graphs")
    s.add_argument("-o", "--output", metavar="SPLIT.json", help="write the split here")
    s.add_argument("--format", choices=("native", "paper"), default="native", help="format of -o (default native)")
    s.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    e = sub.add_parser("evaluate", help="evaluate a given split of a workload",
                       description="Loads, transfers and memory of each device for a split, and what it violates.")
    e.add_argument("workload", metavar="WORKLOAD.json")
    e.add_argument("split", metavar="SPLIT.json", help="split in the paper's output format or the native one")
    _cluster_flags(e)
    e.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    return parser


def _load(args: argparse.Namespace) -> tuple[Workload, Cluster]:
    workload, cluster = load_workload(args.workload)
    cluster = cluster.with_overrides(
        accelerators=args.accelerators, cpus=args.cpus,
        memory=None if args.memory is None else parse_bytes(args.memory))
    return workload, cluster


def _print_result(workload: Workload, cluster: Cluster, evaluation: Evaluation, lines: list[str]) -> None:
    print(device_table(evaluation, workload.time_unit))
    print()
    print(f"max load: {evaluation.max_load:.6f} {workload.time_unit} per sample")
    for line in lines:
        print(line)


def cmd_solve(args: argparse.Namespace) -> int:
    workload, cluster = _load(args)
    if args.output:
        _check_output(args.output, args.workload)
    from .solvers import solve  # loads the compiled kernels

    progress = not args.quiet and not args.json
    sol = solve(workload, cluster, args.method, progress=progress)
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
    if sol.evaluation.violations:
        lines += [f"violation: {v}" for v in sol.evaluation.violations]
    if args.output:
        lines.append(f"split written to {args.output} ({args.format} format)")
    _print_result(workload, cluster, sol.evaluation, lines)
    return 0


def _check_output(output: str, source: str) -> None:
    out, src = Path(output), Path(source)
    if out.exists() and out.resolve() == src.resolve():
        raise PipesplitError(f"{output} is the input workload; choose another output file")
    if out.is_dir():
        raise PipesplitError(f"{output} is a directory; give a file name for the output")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise PipesplitError(f"{output}: the folder {out.parent} does not exist")


def cmd_evaluate(args: argparse.Namespace) -> int:
    workload, cluster = _load(args)
    placement: Placement = load_split(args.split, workload)
    evaluation = evaluate(workload, cluster, placement)
    contiguous = not contiguity_violations(workload, placement)
    if args.json:
        out = split_to_native(workload, placement, evaluation)
        out.update(feasible=evaluation.feasible, contiguous=contiguous, violations=evaluation.violations)
        print(json.dumps(out))
    else:
        lines = [f"contiguous: {'yes' if contiguous else 'no'}",
                 "feasible: yes" if evaluation.feasible else "feasible: NO"]
        lines += [f"violation: {v}" for v in evaluation.violations]
        _print_result(workload, cluster, evaluation, lines)
    return 0 if evaluation.feasible else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"solve": cmd_solve, "evaluate": cmd_evaluate}[args.command](args)
    except PipesplitError as e:
        print(f"pipesplit: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pipesplit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
