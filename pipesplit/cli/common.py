"""Flags and helpers shared by the subcommands."""

from __future__ import annotations

import argparse

from ..cluster import Cluster, parse_bytes
from ..errors import PipesplitError
from ..formats import check_output_path, load_split, load_workload
from ..placement import Evaluation, Placement
from ..report.table import device_table
from ..workload import Workload


def add_cluster_flags(p: argparse.ArgumentParser) -> None:
    """--accelerators, --cpus, --memory: they override the cluster a workload file names."""
    g = p.add_argument_group("cluster (overrides the workload file's)")
    g.add_argument("--accelerators", "-k", type=int, metavar="K", help="number of accelerators")
    g.add_argument("--cpus", "-l", type=int, metavar="L", help="number of CPU cores")
    g.add_argument("--memory", "-m", metavar="SIZE", help="memory per accelerator, e.g. 16GiB, 512MB or inf")
    add_preset_flags(g)


def add_preset_flags(g) -> None:
    """--accelerator NAME (memory from the device catalog) and --link NAME (transfer bandwidth)."""
    g.add_argument("--accelerator", metavar="NAME",
                   help="accelerator preset from the device catalog (e.g. a100-80gb, h100-sxm, v100, l4, t4): "
                        "its memory unless --memory is given")
    g.add_argument("--link", metavar="NAME",
                   help="link preset (pcie3, pcie4, pcie5, nvlink2, nvlink3, nvlink4; nvlink = the accelerator's "
                        "own): transfer costs become output bytes over its bandwidth (needs a workload that "
                        "records output bytes, as pipesplit import writes)")


def load_workload_and_cluster(args: argparse.Namespace) -> tuple[Workload, Cluster]:
    """The workload file's workload and cluster, with the command line's cluster flags applied."""
    workload, cluster = load_workload(args.workload)
    cluster = cluster.with_overrides(
        accelerators=args.accelerators, cpus=args.cpus, memory=preset_memory(args))
    if getattr(args, "link", None):
        workload = with_link(workload, args.workload, args.link, getattr(args, "accelerator", None))
    return workload, cluster


def preset_memory(args: argparse.Namespace) -> float | None:
    """--memory, else the --accelerator preset's memory, else None (keep the file's)."""
    if args.memory is not None:
        return parse_bytes(args.memory)
    if getattr(args, "accelerator", None):
        from ..frontends.catalog import get_device

        return get_device(args.accelerator).memory_bytes
    return None


def with_link(workload: Workload, path: str, link_name: str, accelerator: str | None) -> Workload:
    """The workload with each node's transfer cost its recorded output bytes over the link's bandwidth."""
    from ..api import reprice
    from ..formats import read_json
    from ..frontends.catalog import get_link
    from ..frontends.graph import output_bytes_of

    get_link(link_name, accelerator)  # a bad link name is the flag's fault, not the file's
    found = output_bytes_of(read_json(path))
    if found is None or any(int(i) not in found for i in workload.ids):
        raise PipesplitError(f"{path} does not record each node's output bytes, so --link cannot price its "
                             "transfers; import the model with pipesplit import, or leave out --link")
    try:
        return reprice(workload, found, link_name, accelerator)
    except PipesplitError as e:
        raise PipesplitError(f"{path}: {e.args[0]}, or leave out --link") from None


def print_result(workload: Workload, evaluation: Evaluation, lines: list[str]) -> None:
    """The device table, the max load, then ``lines``."""
    print(device_table(evaluation, workload.time_unit))
    print()
    print(f"max load: {evaluation.max_load:.6f} {workload.time_unit} per sample")
    for line in lines:
        print(line)


def add_split_arguments(p: argparse.ArgumentParser) -> None:
    """SPLIT.json, --workload WORKLOAD.json and the cluster flags (simulate, export)."""
    p.add_argument("split", metavar="SPLIT.json", help="split in the paper's output format or the native one")
    p.add_argument("--workload", required=True, metavar="WORKLOAD.json", help="the workload the split is of")
    add_cluster_flags(p)


def load_split_for_output(args: argparse.Namespace) -> tuple[Workload, Cluster, Placement]:
    """The workload, cluster and split the command line names; a bad ``-o`` is refused before any work."""
    workload, cluster = load_workload_and_cluster(args)
    if getattr(args, "output", None):
        check_output_path(args.output, (args.workload, args.split))
    return workload, cluster, load_split(args.split, workload)
