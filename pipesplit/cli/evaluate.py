"""``pipesplit evaluate``: loads and violations of a given split."""

from __future__ import annotations

import argparse

from ..formats import dump_json, load_split
from ..formats.native import split_to_native
from ..placement import contiguity_violations, evaluate
from .common import add_cluster_flags, load_workload_and_cluster, print_result


def add_parser(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("evaluate", help="evaluate a given split of a workload",
                       description="Loads, transfers and memory of each device for a split, and what it violates. "
                                   "Exit status 1 when the split is infeasible.")
    e.add_argument("workload", metavar="WORKLOAD.json")
    e.add_argument("split", metavar="SPLIT.json", help="split in the paper's output format or the native one")
    add_cluster_flags(e)
    e.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    e.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    workload, cluster = load_workload_and_cluster(args)
    placement = load_split(args.split, workload)
    evaluation = evaluate(workload, cluster, placement)
    contiguous = not contiguity_violations(workload, placement)
    if args.json:
        out = split_to_native(workload, placement, evaluation)
        out.update(feasible=evaluation.feasible, contiguous=contiguous, violations=evaluation.violations)
        print(dump_json(out))
    else:
        lines = [f"contiguous: {'yes' if contiguous else 'no'}", f"feasible: {'yes' if evaluation.feasible else 'NO'}"]
        lines += [f"violation: {v}" for v in evaluation.violations]
        print_result(workload, evaluation, lines)
    return 0 if evaluation.feasible else 1
