"""Flags and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cluster import Cluster, parse_bytes
from ..errors import PipesplitError
from ..formats import load_workload
from ..placement import Evaluation
from ..report.table import device_table
from ..workload import Workload


def add_cluster_flags(p: argparse.ArgumentParser) -> None:
    """--accelerators, --cpus, --memory: they override the cluster a workload file names."""
    g = p.add_argument_group("cluster (overrides the workload file's)")
    g.add_argument("--accelerators", "-k", type=int, metavar="K", help="number of accelerators")
    g.add_argument("--cpus", "-l", type=int, metavar="L", help="number of CPU cores")
    g.add_argument("--memory", "-m", metavar="SIZE", help="memory per accelerator, e.g. 16GiB, 512MB or inf")


def load_workload_and_cluster(args: argparse.Namespace) -> tuple[Workload, Cluster]:
    """The workload file's workload and cluster, with the command line's cluster flags applied."""
    workload, cluster = load_workload(args.workload)
    cluster = cluster.with_overrides(
        accelerators=args.accelerators, cpus=args.cpus,
        memory=None if args.memory is None else parse_bytes(args.memory))
    return workload, cluster


def print_result(workload: Workload, evaluation: Evaluation, lines: list[str]) -> None:
    """The device table, the max load, then ``lines``."""
    print(device_table(evaluation, workload.time_unit))
    print()
    print(f"max load: {evaluation.max_load:.6f} {workload.time_unit} per sample")
    for line in lines:
        print(line)


def check_output_path(output: str, *inputs: str) -> None:
    """Refuse, before any work, an output that is an input, a directory or in a missing folder."""
    out = Path(output)
    for source in inputs:
        if out.exists() and Path(source).exists() and out.resolve() == Path(source).resolve():
            raise PipesplitError(f"{output} is an input file; choose another output file")
    if out.is_dir():
        raise PipesplitError(f"{output} is a directory; give a file name for the output")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise PipesplitError(f"{output}: the folder {out.parent} does not exist")
