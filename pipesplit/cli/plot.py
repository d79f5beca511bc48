"""``pipesplit plot``: a picture of a split (the graph coloured by device, loads and memory)."""

from __future__ import annotations

import argparse

from ..formats import check_output_path, load_split
from .common import add_cluster_flags, load_workload_and_cluster

LAYOUTS = ("layered", "dot")


def add_plot_flags(p: argparse.ArgumentParser, flag: str) -> None:
    """The output flag (``-o`` or ``--plot``) and --layout."""
    names = ("-o", "--output") if flag == "-o" else ("--plot",)
    p.add_argument(*names, dest="plot", required=flag == "-o", metavar="SPLIT.png",
                   help="draw the split here: graph coloured by device, load and memory bars (needs the plot extra)")
    p.add_argument("--layout", choices=LAYOUTS, default="layered",
                   help="graphs of up to 150 nodes: layered (columns by depth, default) or dot (graphviz's, "
                        "when installed); larger graphs are drawn as a strip of nodes by device")


def check(args: argparse.Namespace) -> None:
    """Refuse a bad output path, or a missing matplotlib, before any work."""
    from ..report.figure import pyplot

    check_output_path(args.plot, _inputs(args))
    pyplot()


def draw(args: argparse.Namespace, workload, cluster, placement) -> None:
    """Draw the split into ``args.plot``."""
    from ..report.plot import PlotOptions, write_split_plot

    write_split_plot(workload, cluster, placement, args.plot, PlotOptions(layout=args.layout), inputs=_inputs(args))


def _inputs(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(x for x in (args.workload, getattr(args, "split", None)) if x)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="draw a split", description="Draw a split: the graph coloured by device (or, "
                       "for large graphs, a strip of its nodes by device) above each device's compute, transfers "
                       "and memory, the bottleneck marked.")
    p.add_argument("workload", metavar="WORKLOAD.json")
    p.add_argument("split", metavar="SPLIT.json", help="split in the paper's output format or the native one")
    add_cluster_flags(p)
    add_plot_flags(p, "-o")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    workload, cluster = load_workload_and_cluster(args)
    check(args)
    placement = load_split(args.split, workload)
    draw(args, workload, cluster, placement)
    print(f"picture written to {args.plot}")
    return 0
