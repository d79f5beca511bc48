"""A picture of a split: the graph coloured by device, and each device's load and memory.

Small graphs (at most ``PlotOptions.max_graph_nodes`` nodes) are drawn node by node, in columns by
longest path from the inputs (``layered``, the default: a pipeline reads left to right in a straight
line) or placed by graphviz's ``dot`` program where it is installed (``dot``). Larger graphs become a strip, one bar per node in topological order coloured by its device,
with the device boundaries named. Training graphs show their forward nodes (backward nodes sit with
their forward nodes' colocation classes). Below: per device, in pipeline order, compute, transfer in
and transfer out stacked, the bottleneck marked, and accelerator memory against the limit.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..cluster import Cluster, format_bytes
from ..errors import PipesplitError
from ..placement import Evaluation, Placement, evaluate
from ..runtime.stages import pipeline_order
from ..workload import Workload
from .figure import pyplot, save

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COMPUTE, TRANSFER_IN, TRANSFER_OUT = "#4C72B0", "#DD8452", "#C44E52"


@dataclass(frozen=True)
class PlotOptions:
    """``max_graph_nodes``: above it the graph becomes a strip; ``layout``: layered or dot."""

    max_graph_nodes: int = 150
    layout: str = "layered"


def device_order(workload: Workload, placement: Placement) -> list[int]:
    """Used devices in pipeline order (by device number when the split has no such order)."""
    try:
        return pipeline_order(workload, placement)
    except PipesplitError:
        return sorted(set(placement.device.tolist()))


def device_colours(order: list[int]) -> dict[int, tuple]:
    """One colour per device, in pipeline order."""
    plt = pyplot()
    cmap = plt.get_cmap("tab10" if len(order) <= 10 else "tab20")
    return {d: cmap(i % cmap.N) for i, d in enumerate(order)}


def layered_positions(workload: Workload, nodes: np.ndarray) -> dict[int, tuple[float, float]]:
    """x = longest path from an input (among ``nodes``), y = rank within that layer, centred."""
    keep = np.zeros(workload.num_nodes, bool)
    keep[nodes] = True
    depth = np.zeros(workload.num_nodes, dtype=np.int64)
    ptr, pred = workload.preds_csr
    for v in workload.topological_order.tolist():
        if keep[v]:
            ps = [u for u in pred[ptr[v]:ptr[v + 1]].tolist() if keep[u]]
            depth[v] = max((depth[u] + 1 for u in ps), default=0)
    rows: dict[int, list[int]] = {}
    for v in workload.topological_order.tolist():
        if keep[v]:
            rows.setdefault(int(depth[v]), []).append(v)
    return {v: (float(x), r - (len(vs) - 1) / 2) for x, vs in rows.items() for r, v in enumerate(vs)}


def dot_positions(workload: Workload, nodes: np.ndarray) -> dict[int, tuple[float, float]]:
    """Positions from graphviz's ``dot -Tplain`` (left to right)."""
    keep = set(nodes.tolist())
    lines = ["digraph g { rankdir=LR; node [shape=box, width=0.3, height=0.2, fixedsize=true];"]
    lines += [f"n{v};" for v in sorted(keep)]
    lines += [f"n{u} -> n{v};" for u, v in zip(workload.src.tolist(), workload.dst.tolist()) if u in keep and v in keep]
    out = subprocess.run(["dot", "-Tplain"], input="\n".join(lines + ["}"]), capture_output=True, text=True,
                         check=True, timeout=60).stdout
    pos = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == "node":
            pos[int(parts[1][1:])] = (float(parts[2]), float(parts[3]))
    return pos


def split_figure(workload: Workload, cluster: Cluster, placement: Placement, options: PlotOptions = PlotOptions()) -> Figure:
    """The figure: graph (or strip) above, load and memory bars below."""
    plt = pyplot()
    evaluation = evaluate(workload, cluster, placement)
    order = device_order(workload, placement)
    colours = device_colours(order)
    nodes = np.flatnonzero(~workload.backward) if workload.is_training else np.arange(workload.num_nodes)
    small = len(nodes) <= options.max_graph_nodes
    rows = _graph_rows(workload, nodes) if small else 0
    ratio = min(1.6, 0.3 + 0.1 * rows) if small else 0.55
    fig = plt.figure(figsize=(13, 4.2 + 3.6 * ratio))
    grid = fig.add_gridspec(2, 2, height_ratios=[ratio, 1], width_ratios=[2.2, 1], hspace=0.5, wspace=0.25)
    top = fig.add_subplot(grid[0, :])
    if small:
        _draw_graph(top, workload, placement, nodes, colours, options)
    else:
        _draw_strip(top, workload, placement, nodes, colours)
    kind = "forward nodes of a training graph" if workload.is_training else "nodes"
    top.set_title(f"{len(nodes)} {kind} on {len(order)} devices; max load {evaluation.max_load:.4g} "
                  f"{workload.time_unit} per sample", fontsize=10)
    _draw_loads(fig.add_subplot(grid[1, 0]), evaluation, order, colours, workload.time_unit)
    _draw_memory(fig.add_subplot(grid[1, 1]), evaluation, order, colours, cluster, placement)
    return fig


def write_split_plot(workload: Workload, cluster: Cluster, placement: Placement, path: str | Path,
                     options: PlotOptions = PlotOptions(), inputs: tuple[str | Path, ...] = ()) -> None:
    """Draw the split into ``path`` (PNG, or the format its suffix names)."""
    save(split_figure(workload, cluster, placement, options), path, inputs)


def _draw_graph(ax, w: Workload, p: Placement, nodes: np.ndarray, colours: dict, options: PlotOptions) -> None:
    if options.layout == "dot" and not shutil.which("dot"):
        raise PipesplitError("the dot layout needs graphviz's dot program (e.g. apt-get install graphviz); "
                             "or use the layered layout")
    pos = dot_positions(w, nodes) if options.layout == "dot" else layered_positions(w, nodes)
    keep = set(nodes.tolist())
    for u, v in zip(w.src.tolist(), w.dst.tolist()):
        if u in keep and v in keep:
            cross = p.device[u] != p.device[v]
            ax.annotate("", xy=pos[v], xytext=pos[u], arrowprops=dict(
                arrowstyle="-|>", color="#C44E52" if cross else "#999999", lw=0.9 if cross else 0.6,
                shrinkA=6, shrinkB=6, alpha=0.7 if cross else 0.9))
    xs = np.array([pos[v][0] for v in nodes])
    ys = np.array([pos[v][1] for v in nodes])
    ax.scatter(xs, ys, s=160, c=[colours[int(p.device[v])] for v in nodes], edgecolors="black", linewidths=0.5,
               zorder=3)
    if len(nodes) <= 60:  # rotated under a node alone in its column, beside nodes that share one
        column = {}
        for x in xs:
            column[x] = column.get(x, 0) + 1
        for v, x, y in zip(nodes.tolist(), xs, ys):
            if column[x] == 1:
                ax.text(x, y - 0.28 * _y_unit(ys), _label(w.names[v]), fontsize=6, rotation=45, ha="right", va="top")
            else:
                ax.text(x + 0.12 * _x_unit(xs), y + 0.12 * _y_unit(ys), _label(w.names[v]), fontsize=6, ha="left",
                        va="bottom")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    span = ys.max() - ys.min() if len(ys) else 0
    ax.set_ylim(ys.min() - 0.9 * _y_unit(ys) - 0.1 * span, ys.max() + 0.5 * _y_unit(ys))
    ax.margins(x=0.02)
    handles = [pyplot().Line2D([], [], marker="o", ls="", color=colours[d], markeredgecolor="black",
                               label=p.device_name(d)) for d in colours]
    handles.append(pyplot().Line2D([], [], color="#C44E52", label="crosses devices"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


def _draw_strip(ax, w: Workload, p: Placement, nodes: np.ndarray, colours: dict) -> None:
    """One bar per node: device by device in pipeline order when the split is contiguous (a topological
    order too), else in the graph's topological order, where a recurring device shows."""
    keep = np.zeros(w.num_nodes, bool)
    keep[nodes] = True
    topo = [v for v in w.topological_order.tolist() if keep[v]]
    try:
        position = {d: i for i, d in enumerate(pipeline_order(w, p))}
        topo.sort(key=lambda v: position[int(p.device[v])])  # stable: topological within a device
        contiguous = True
    except PipesplitError:
        contiguous = False
    dev = np.array([int(p.device[v]) for v in topo])
    t = np.where(dev < p.accelerators, w.acc_time[topo], w.cpu_time[topo])
    height = np.sqrt(t / t.max()) if t.max() > 0 else np.ones(len(topo))
    ax.bar(np.arange(len(topo)), 0.1 + 0.9 * height, width=1.0, color=[colours[d] for d in dev], linewidth=0)
    starts = [0] + [i for i in range(1, len(topo)) if dev[i] != dev[i - 1]]
    ends = starts[1:] + [len(topo)]
    for k, (i, j) in enumerate(zip(starts, ends)):
        ax.axvline(i - 0.5, color="black", lw=0.6)
        if j - i >= len(topo) / 60 or len(starts) <= 12:
            ax.text((i + j - 1) / 2, 1.08 + 0.22 * (k % 2), f"{p.device_name(int(dev[i]))} ({j - i})",
                    fontsize=7, ha="center", va="bottom", color=colours[int(dev[i])], fontweight="bold")
    ax.set_xlim(-0.5, len(topo) - 0.5)
    ax.set_ylim(0, 1.55)
    ax.set_yticks([])
    ax.set_xlabel("nodes " + ("device by device in pipeline order" if contiguous else "in topological order")
                  + " (bar height: square root of compute time; in brackets: node count)")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if not contiguous:
        ax.text(0.99, 0.97, "not contiguous: devices recur along the topological order", transform=ax.transAxes,
                ha="right", va="top", fontsize=8, color="#C44E52")


def _draw_loads(ax, evaluation: Evaluation, order: list[int], colours: dict, unit: str) -> None:
    devs = [evaluation.devices[d] for d in order]
    y = np.arange(len(devs))[::-1]
    left = np.zeros(len(devs))
    for field, colour, label in (("compute", COMPUTE, "compute"), ("transfer_in", TRANSFER_IN, "transfer in"),
                                 ("transfer_out", TRANSFER_OUT, "transfer out")):
        values = np.array([getattr(x, field) for x in devs])
        ax.barh(y, values, left=left, color=colour, label=label, height=0.6)
        left += values
    ax.axvline(evaluation.max_load, color="black", ls="--", lw=0.8)
    for yi, x in zip(y, devs):
        star = abs(x.load - evaluation.max_load) <= 1e-12 * max(1.0, evaluation.max_load)
        ax.text(x.load, yi, f" {x.load:.4g}" + (" * bottleneck" if star else ""), va="center", fontsize=7,
                fontweight="bold" if star else "normal")
    ax.set_yticks(y, [x.name for x in devs])
    for tick, d in zip(ax.get_yticklabels(), order):
        tick.set_color(colours[d])
        tick.set_fontweight("bold")
    ax.set_xlim(0, evaluation.max_load * 1.35 if evaluation.max_load > 0 else 1)
    ax.set_xlabel(f"load per sample ({unit})")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("load by device (pipeline order)", fontsize=9)


def _draw_memory(ax, evaluation: Evaluation, order: list[int], colours: dict, cluster: Cluster, placement: Placement) -> None:
    """Each accelerator's memory as a share of the limit (in bytes when there is none)."""
    accs = [d for d in order if placement.is_accelerator(d)]
    y = np.arange(len(accs))[::-1]
    used = np.array([evaluation.devices[d].memory for d in accs])
    limit = cluster.memory
    bounded = math.isfinite(limit) and limit > 0
    share = used / limit if bounded else used
    ax.barh(y, share, color=[colours[d] for d in accs], height=0.6)
    top = max(share.max() if len(share) else 0.0, 1.0 if bounded else 0.0) or 1.0
    for yi, m, x in zip(y, used, share):
        over = bounded and m > limit
        text = f" {format_bytes(m)}" + (f" ({x:.1%})" if bounded else "") + (" over the limit" if over else "")
        ax.text(x, yi, text, va="center", fontsize=7, color="#C44E52" if over else "black")
    if bounded:
        ax.axvline(1.0, color="#C44E52", ls="--", lw=1)
        ax.set_xticks([0, 0.5, 1.0], ["0", "50%", f"limit\n{format_bytes(limit)}"], fontsize=7)
    else:
        ax.set_xticks([])
    ax.set_yticks(y, [placement.device_name(d) for d in accs])
    ax.set_xlim(0, top * 1.25)
    ax.set_title("accelerator memory" + (" (share of the limit)" if bounded else " (no limit)"), fontsize=9)


def _graph_rows(w: Workload, nodes: np.ndarray) -> int:
    """How many nodes the widest layer of the layered layout has."""
    ys = [y for _, y in layered_positions(w, nodes).values()]
    return len(set(ys))


def _label(name: str, width: int = 22) -> str:
    """A node's label: the last part of a module path (two when it ends in an index), at most ``width`` long.

    >>> _label("encoder.layer.5"), _label("embeddings.position_embeddings"), _label("(top)")
    ('layer.5', 'position_embeddings', '(top)')
    """
    parts = name.split(".")
    short = ".".join(parts[-2:]) if len(parts) > 1 and parts[-1].isdigit() else parts[-1]
    return short if len(short) <= width else "…" + short[-(width - 1):]


def _x_unit(xs: np.ndarray) -> float:
    """Spacing between columns."""
    return _y_unit(xs)


def _y_unit(ys: np.ndarray) -> float:
    """Spacing between rows, for label offsets (1 for the layered layout, dot's own otherwise)."""
    diffs = np.diff(np.unique(ys))
    return float(diffs.min()) if len(diffs) else 1.0
