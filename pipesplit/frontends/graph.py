"""From a frontend's operator list to a Workload, and writing it with its byte counts.

Both frontends describe a model as nodes in a topological order with data-flow edges, per-node times,
weight bytes and output bytes; this module turns that into a Workload (transfer cost = output bytes over
the link's bandwidth) and writes it with the byte counts kept beside the times, so that ``pipesplit solve
--link`` can price the transfers on another link.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cluster import Cluster
from ..formats import write_json
from ..formats.native import workload_to_native
from ..formats.paper import workload_to_paper
from ..graph import connected_components
from ..training import backward_edges
from ..workload import NO_CLASS, Workload
from .catalog import Link, transfer_ms

OUTPUT_BYTES_NATIVE = "output_bytes"
OUTPUT_BYTES_PAPER = "outputBytes"
TORCH_NODES = "torch_nodes"  # the exported graph's node names that make up each workload node


@dataclass
class TimingOptions:
    """Where an importer's times come from: ``profile`` devices ("cpu", "cuda"), an ``estimate`` catalog
    device and its ``dtype``, ``warmup`` and measured ``runs``, and CPU ``threads`` while profiling."""

    profile: tuple[str, ...] = ("cpu",)
    estimate: str | None = None
    dtype: str | None = None
    warmup: int = 3
    runs: int = 10
    threads: int = 1


@dataclass
class OpGraph:
    """A model as a frontend sees it: one entry per node, edges as (source index, target index)."""

    names: list[str]
    op_types: list[str]
    edges: list[tuple[int, int]]
    out_bytes: np.ndarray
    memory: np.ndarray
    cpu_ms: np.ndarray
    acc_ms: np.ndarray
    layer: list | None = None
    backward: np.ndarray | None = None
    color: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    sources: list[list[str]] | None = None  # the model's own node names behind each node (torch: fx names)

    @property
    def num_nodes(self) -> int:
        return len(self.names)


def to_workload(g: OpGraph, link: Link) -> Workload:
    """The Workload of ``g`` with each node's transfer cost its output bytes over ``link``."""
    n = g.num_nodes
    edges = sorted(set(g.edges))
    return Workload(
        ids=np.arange(n), acc_time=np.asarray(g.acc_ms, float), cpu_time=np.asarray(g.cpu_ms, float),
        memory=np.asarray(g.memory, float), acc_ok=np.ones(n, bool),
        backward=np.zeros(n, bool) if g.backward is None else g.backward,
        color=np.full(n, NO_CLASS) if g.color is None else g.color,
        out_cost=np.array([transfer_ms(b, link) for b in np.asarray(g.out_bytes, float)]),
        src=np.array([u for u, _ in edges], dtype=np.int64), dst=np.array([v for _, v in edges], dtype=np.int64),
        names=list(g.names), layer=g.layer, op_type=list(g.op_types),
    )


def workload_document(workload: Workload, cluster: Cluster, out_bytes: np.ndarray, fmt: str = "native",
                      sources: list[list[str]] | None = None) -> dict:
    """The JSON document of a workload in ``fmt`` (native or paper), with each node's output bytes (and,
    given ``sources``, the exported graph's node names behind each node, under ``torch_nodes``)."""
    if fmt == "paper":
        data = workload_to_paper(workload, cluster)
        key = OUTPUT_BYTES_PAPER
    else:
        data = workload_to_native(workload, cluster)
        key = OUTPUT_BYTES_NATIVE
    for node, b in zip(data["nodes"], np.asarray(out_bytes, float).tolist()):
        node[key] = b
    for node, names in zip(data["nodes"], sources or ()):
        node[TORCH_NODES] = list(names)
    return data


def write_workload(path: str | Path, workload: Workload, cluster: Cluster, out_bytes: np.ndarray,
                   fmt: str = "native", inputs: tuple = (), sources: list[list[str]] | None = None) -> None:
    """Write the workload in ``fmt`` with its byte counts (and ``sources``, see ``workload_document``)."""
    write_json(path, workload_document(workload, cluster, out_bytes, fmt, sources), inputs=inputs)


def output_bytes_of(data: dict) -> dict[int, float] | None:
    """Node id -> output bytes from a workload document, or None when it has no byte counts."""
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(nodes, list):
        return None
    found = {}
    for node in nodes:
        if not isinstance(node, dict):
            return None
        b = node.get(OUTPUT_BYTES_NATIVE, node.get(OUTPUT_BYTES_PAPER))
        if isinstance(b, bool) or not isinstance(b, (int, float)):
            return None
        try:
            found[node.get("id")] = float(b)
        except OverflowError:  # an integer beyond any float
            found[node.get("id")] = math.inf if b > 0 else -math.inf
    return found


def torch_nodes_of(data: dict) -> dict[int, list[str]] | None:
    """Node id -> the exported graph's node names from a workload document, or None when it has none."""
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(nodes, list) or not all(isinstance(n, dict) for n in nodes):
        return None
    found = {n.get("id"): n.get(TORCH_NODES) for n in nodes}
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in found.values()):
        return None
    return found


def add_training(g: OpGraph, backward_ms_cpu: np.ndarray, backward_ms_acc: np.ndarray,
                 backward_memory: np.ndarray, grad_bytes: np.ndarray) -> OpGraph:
    """Add a backward node per forward node, mirroring the forward edges and colocated with its forward node.

    Backward node n+i follows forward node i, with the edges of ``pipesplit.training.backward_edges``.
    ``grad_bytes[i]``: what backward node i sends (the gradients of its forward node's inputs).
    """
    n = g.num_nodes
    fwd = np.asarray(g.edges, dtype=np.int64).reshape(-1, 2)
    src, dst = backward_edges(n, fwd[:, 0], fwd[:, 1])
    edges = list(zip(src.tolist(), dst.tolist()))
    return OpGraph(
        names=list(g.names) + [f"{name}.backward" for name in g.names],
        op_types=list(g.op_types) + [f"{t}.backward" for t in g.op_types],
        edges=edges,
        out_bytes=np.concatenate([g.out_bytes, grad_bytes]),
        memory=np.concatenate([g.memory, backward_memory]),
        cpu_ms=np.concatenate([g.cpu_ms, backward_ms_cpu]),
        acc_ms=np.concatenate([g.acc_ms, backward_ms_acc]),
        layer=None if g.layer is None else list(g.layer) * 2,
        backward=np.concatenate([np.zeros(n, bool), np.ones(n, bool)]),
        color=np.concatenate([np.arange(n), np.arange(n)]),
        notes=list(g.notes),
        sources=None if g.sources is None else list(g.sources) + [[] for _ in range(n)],
    )


def colocate_plumbing(num_nodes: int, edges: list[tuple[int, int]], plumbing: np.ndarray) -> np.ndarray:
    """Colocation classes that keep plumbing with its consumer.

    A node with exactly one consumer that is plumbing (``plumbing[k]``: shape arithmetic on small integer
    tensors, or a node that reads only weights and constants, such as an Identity of an initializer) joins
    its consumer's class. Such nodes have no reason to sit on another device, and without this each of them
    multiplies the contiguous splits a solver has to consider. Returns a class per node (``NO_CLASS`` for
    nodes left alone).

    >>> colocate_plumbing(4, [(0, 2), (1, 2), (2, 3)], np.array([True, False, False, False])).tolist()
    [0, -1, 0, -1]
    """
    succ: list[set] = [set() for _ in range(num_nodes)]
    for u, v in edges:
        if u != v:
            succ[u].add(v)
    roots = connected_components(num_nodes, [(k, next(iter(succ[k]))) for k in range(num_nodes)
                                             if len(succ[k]) == 1 and plumbing[k]])
    sizes = np.bincount(roots, minlength=num_nodes)
    ids = {r: i for i, r in enumerate(sorted(set(int(r) for r in roots if sizes[r] > 1)))}
    return np.array([ids.get(int(r), NO_CLASS) for r in roots], dtype=np.int64)
