"""Synthetic workloads for examples, benchmarks and tests.

Three plain generators, each deterministic:

- ``transformer_like(layers, ...)``: an encoder stack at operator granularity (layer norms, q/k/v
  projections, attention matmuls, softmax, residual adds, an MLP), its costs estimated from FLOP and
  byte counts of a named model size on an accelerator, a CPU core and a link (``CostSpec``);
- ``add_backward(workload)``: the training graph of a forward workload;
- ``random_layered_dag(n, width, seed)``: a random layered DAG of any size, for scale tests.

Times are in milliseconds, memory in bytes.

>>> w = add_backward(transformer_like(2, hidden=64, heads=4, seq_len=16))
>>> w.num_nodes, w.is_training
(74, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import PipesplitError
from .frontends.catalog import Device
from .frontends.estimate import OpCost, estimate_ms
from .training import add_backward
from .workload import NO_CLASS, Workload


def synthetic_device(name: str, flops: float, bandwidth: float) -> Device:
    """A device for the roofline of ``frontends.estimate`` that runs every dtype at ``flops`` FLOP/s
    and moves ``bandwidth`` bytes/s (the synthetic generators' model sizes)."""
    peak = {"fp32": flops, "fp16": flops}
    return Device(name=name, kind="synthetic", memory_bytes=float("inf"), memory_bandwidth=bandwidth, matrix=peak,
                  vector=peak, nvlink=None, source="synthetic")


@dataclass(frozen=True)
class CostSpec:
    """How FLOPs and bytes become times: the accelerator and one CPU core (roofline devices, each
    operator paying a fixed ``*_overhead`` in seconds, e.g. a kernel launch), and the link between
    devices (``link_bandwidth`` bytes/s plus ``link_latency`` seconds per transfer). ``dtype_bytes`` is
    the size of one activation or weight element."""

    accelerator: Device = field(default_factory=lambda: synthetic_device("synthetic-accelerator", 60e12, 800e9))
    cpu: Device = field(default_factory=lambda: synthetic_device("synthetic-cpu", 80e9, 12e9))
    accelerator_overhead: float = 5e-6
    cpu_overhead: float = 2e-6
    link_bandwidth: float = 12e9
    link_latency: float = 10e-6
    dtype_bytes: int = 2

    def op_ms(self, flops: float, bytes_moved: float) -> tuple[float, float]:
        """Roofline time of one operator on the accelerator and on the CPU core, in milliseconds."""
        cost = OpCost(flops, bytes_moved, matrix=True)
        return (estimate_ms(cost, self.accelerator, overhead=self.accelerator_overhead),
                estimate_ms(cost, self.cpu, overhead=self.cpu_overhead))

    def transfer_ms(self, nbytes: float) -> float:
        """Time to send ``nbytes`` to another device, in milliseconds."""
        return 1e3 * (nbytes / self.link_bandwidth + self.link_latency)


def _sig(x: float, digits: int = 6) -> float:
    """``x`` rounded to ``digits`` significant digits (keeps written examples short and exact)."""
    return float(f"{x:.{digits}g}")


class _Builder:
    """Collects nodes and edges, then makes a ``Workload``."""

    def __init__(self, costs: CostSpec):
        self.costs = costs
        self.rows: list[tuple] = []
        self.edges: list[tuple[int, int]] = []

    def op(self, name: str, op_type: str, layer: int, flops: float, out_elems: float, preds: list[int],
           in_elems: float | None = None, params: float = 0.0) -> int:
        """Add an operator reading ``preds`` and writing ``out_elems`` elements; ``params`` weights."""
        c = self.costs
        b = c.dtype_bytes
        if in_elems is None:
            in_elems = out_elems * max(1, len(preds))
        moved = (in_elems + out_elems + params) * b
        node = len(self.rows)
        acc_ms, cpu_ms = c.op_ms(flops, moved)
        self.rows.append((name, op_type, layer, _sig(acc_ms), _sig(cpu_ms), float(params * b),
                          _sig(c.transfer_ms(out_elems * b))))
        self.edges.extend((p, node) for p in preds)
        return node

    def build(self) -> Workload:
        n = len(self.rows)
        names, ops, layers, a, p, mem, cost = (list(col) for col in zip(*self.rows))
        src, dst = (np.array(x, dtype=np.int64) for x in zip(*self.edges)) if self.edges else (np.zeros(0, np.int64),) * 2
        return Workload(ids=np.arange(n), acc_time=a, cpu_time=p, memory=mem, acc_ok=np.ones(n, bool),
                        backward=np.zeros(n, bool), color=np.full(n, NO_CLASS), out_cost=cost, src=src, dst=dst,
                        names=names, layer=layers, op_type=ops)


def transformer_like(layers: int, hidden: int = 768, heads: int = 12, seq_len: int = 128, batch: int = 8,
                     ffn: int | None = None, vocab: int = 30522, classes: int = 2, embeddings: bool = True,
                     head: bool = True, costs: CostSpec | None = None) -> Workload:
    """A transformer encoder at operator granularity: ``layers`` blocks of 15 operators each
    (LayerNorm; q, k, v projections; q·kᵀ, scale, softmax, ·v; output projection; residual add;
    LayerNorm; MLP up, GELU, down; residual add), with token/position embeddings before and a
    pooler/classifier after. Defaults are BERT-base-like (hidden 768, 12 heads, MLP 4x hidden).

    Costs: each operator's FLOPs and bytes moved give its accelerator and CPU times by a roofline
    (``costs``); weights are its memory; its output bytes over the link give its transfer cost.

    >>> w = transformer_like(2, hidden=64, heads=4, seq_len=16)
    >>> w.num_nodes, w.num_edges, transformer_node_count(2)
    (37, 44, 37)
    >>> sorted(set(w.op_type))[:4]
    ['Add', 'Div', 'Gather', 'Gelu']
    """
    if layers < 0 or min(hidden, heads, seq_len, batch) < 1:
        raise PipesplitError("transformer_like needs layers >= 0 and positive hidden, heads, seq_len and batch")
    if hidden % heads:
        raise PipesplitError(f"hidden size {hidden} is not a multiple of the {heads} heads")
    F = 4 * hidden if ffn is None else ffn
    B, S, H, h = batch, seq_len, hidden, heads
    tok = B * S  # tokens per sample batch
    g = _Builder(costs or CostSpec())
    x = -1
    if embeddings:
        words = g.op("embed.words", "Gather", 0, tok * H, tok * H, [], in_elems=tok, params=vocab * H)
        pos = g.op("embed.positions", "Gather", 0, tok * H, tok * H, [], in_elems=tok, params=S * H)
        s = g.op("embed.add", "Add", 0, tok * H, tok * H, [words, pos])
        x = g.op("embed.norm", "LayerNorm", 0, 5 * tok * H, tok * H, [s], params=2 * H)
    for i in range(1, layers + 1):
        pre = [x] if x >= 0 else []
        L = f"layer{i}."
        ln1 = g.op(L + "attn.norm", "LayerNorm", i, 5 * tok * H, tok * H, pre, in_elems=tok * H, params=2 * H)
        q, k, v = (g.op(L + f"attn.{t}", "MatMul", i, 2 * tok * H * H, tok * H, [ln1], params=H * H + H)
                   for t in "qkv")
        scores = g.op(L + "attn.scores", "MatMul", i, 2 * B * S * S * H, B * h * S * S, [q, k], in_elems=2 * tok * H)
        scaled = g.op(L + "attn.scale", "Div", i, B * h * S * S, B * h * S * S, [scores])
        probs = g.op(L + "attn.softmax", "Softmax", i, 5 * B * h * S * S, B * h * S * S, [scaled])
        ctx = g.op(L + "attn.context", "MatMul", i, 2 * B * S * S * H, tok * H, [probs, v],
                   in_elems=B * h * S * S + tok * H)
        out = g.op(L + "attn.out", "MatMul", i, 2 * tok * H * H, tok * H, [ctx], params=H * H + H)
        res1 = g.op(L + "attn.residual", "Add", i, tok * H, tok * H, pre + [out], in_elems=2 * tok * H)
        ln2 = g.op(L + "mlp.norm", "LayerNorm", i, 5 * tok * H, tok * H, [res1], params=2 * H)
        up = g.op(L + "mlp.up", "MatMul", i, 2 * tok * H * F, tok * F, [ln2], in_elems=tok * H, params=H * F + F)
        act = g.op(L + "mlp.gelu", "Gelu", i, 8 * tok * F, tok * F, [up])
        down = g.op(L + "mlp.down", "MatMul", i, 2 * tok * F * H, tok * H, [act], in_elems=tok * F, params=F * H + H)
        x = g.op(L + "mlp.residual", "Add", i, tok * H, tok * H, [res1, down], in_elems=2 * tok * H)
    if head:
        pre = [x] if x >= 0 else []
        top = layers + 1
        pooled = g.op("pooler.dense", "MatMul", top, 2 * B * H * H, B * H, pre, in_elems=B * H, params=H * H + H)
        act = g.op("pooler.tanh", "Tanh", top, 4 * B * H, B * H, [pooled])
        g.op("classifier", "MatMul", top, 2 * B * H * classes, B * classes, [act], in_elems=B * H,
             params=H * classes + classes)
    return g.build()


def transformer_node_count(layers: int, embeddings: bool = True, head: bool = True) -> int:
    """How many nodes ``transformer_like`` makes.

    >>> transformer_node_count(12)
    187
    """
    return 15 * layers + 4 * embeddings + 3 * head


def random_layered_dag(n: int, width: int, seed: int = 0, fan_in: int = 2, skip: float = 0.05,
                       cpu_only: float = 0.0) -> Workload:
    """A random DAG of ``n`` nodes in layers of ``width``: each node after the first layer reads
    1..``fan_in`` nodes of the previous layer and, with probability ``skip``, one node of an earlier
    layer. Accelerator times are uniform in [0.1, 1] ms, CPU times 5-20x slower, transfer costs
    uniform in [0.01, 0.2] ms, memory 0.1-4 MB per node; a fraction ``cpu_only`` of the nodes may not
    run on an accelerator. The same arguments give the same graph.

    >>> w = random_layered_dag(1000, 4, seed=1)
    >>> w.num_nodes, bool((random_layered_dag(1000, 4, seed=1).src == w.src).all())
    (1000, True)
    """
    if n < 1 or width < 1 or fan_in < 1 or not 0 <= skip <= 1 or not 0 <= cpu_only <= 1:
        raise PipesplitError("random_layered_dag needs n, width, fan_in >= 1 and skip, cpu_only in [0, 1]")
    rng = np.random.default_rng(seed)
    layer = np.arange(n) // width
    first = layer * width  # index of the first node of each node's layer
    later = np.flatnonzero(layer > 0)
    src_parts, dst_parts = [], []
    k = rng.integers(1, fan_in + 1, size=len(later))
    for j in range(fan_in):
        v = later[k > j]
        lo = first[v] - width  # previous layer starts here and holds `width` nodes
        src_parts.append(lo + rng.integers(0, width, size=len(v)))
        dst_parts.append(v)
    jump = later[(rng.random(len(later)) < skip) & (layer[later] > 1)]
    src_parts.append(rng.integers(0, first[jump] - width))  # any node before the previous layer
    dst_parts.append(jump)
    src, dst = np.concatenate(src_parts), np.concatenate(dst_parts)
    a = np.round(rng.uniform(0.1, 1.0, n), 4)
    return Workload(
        ids=np.arange(n), acc_time=a, cpu_time=np.round(a * rng.uniform(5, 20, n), 4),
        memory=np.round(rng.uniform(1e5, 4e6, n)), acc_ok=rng.random(n) >= cpu_only,
        backward=np.zeros(n, bool), color=np.full(n, NO_CLASS), out_cost=np.round(rng.uniform(0.01, 0.2, n), 4),
        src=src, dst=dst, names=[f"n{i}" for i in range(n)], layer=layer.tolist(),
    )


__all__ = ["CostSpec", "synthetic_device", "add_backward", "random_layered_dag", "transformer_like",
           "transformer_node_count"]
