"""The workload: a DAG of operators or layers with their costs, stored as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .errors import PipesplitError
from .graph import csr, find_cycle, topological_sort

NO_CLASS = -1


@dataclass(eq=False)
class Workload:
    """Nodes (operators or layers), data-flow edges and their costs.

    Times are in one unit throughout (``time_unit``, milliseconds by default); memory in bytes.
    ``out_cost[u]`` is the time to send node u's output to another device, the same for every
    edge out of u. ``color[u]`` is u's colocation class (``NO_CLASS`` when it has none): nodes of
    one class must share a device, as a backward node shares its forward node's device.

    >>> w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 2.0], cpu_time=[10.0, 20.0],
    ...                         edges=[(1, 2)], out_cost={1: 0.5})
    >>> w.num_nodes, w.num_edges
    (2, 1)
    """

    ids: np.ndarray
    acc_time: np.ndarray
    cpu_time: np.ndarray
    memory: np.ndarray
    acc_ok: np.ndarray
    backward: np.ndarray
    color: np.ndarray
    out_cost: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    names: list[str] = field(default_factory=list)
    layer: list | None = None
    op_type: list | None = None
    time_unit: str = "ms"

    def __post_init__(self) -> None:
        n = len(self.ids)
        if n == 0:
            raise PipesplitError("the workload has no nodes; a workload needs at least one node")
        for name, dtype in (("ids", np.int64), ("acc_time", np.float64), ("cpu_time", np.float64),
                            ("memory", np.float64), ("out_cost", np.float64), ("acc_ok", bool), ("backward", bool),
                            ("color", np.int64), ("src", np.int64), ("dst", np.int64)):
            try:
                setattr(self, name, np.asarray(getattr(self, name), dtype=dtype).reshape(-1))
            except (TypeError, ValueError, OverflowError) as e:
                raise PipesplitError(f"workload field '{name}' cannot be read as {np.dtype(dtype).name} values "
                                     f"({e.__class__.__name__}: {e})") from None
        if not self.names:
            self.names = [str(i) for i in self.ids]
        if len(self.names) != n or not all(isinstance(x, str) for x in self.names):
            raise PipesplitError(f"workload names must be {n} strings, one per node")
        for name in ("acc_time", "cpu_time", "memory", "acc_ok", "backward", "color", "out_cost"):
            if len(getattr(self, name)) != n:
                raise PipesplitError(f"workload field '{name}' has {len(getattr(self, name))} entries for {n} nodes")
        self._validate()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_lists(
        cls,
        ids,
        acc_time,
        cpu_time,
        edges,
        out_cost=None,
        memory=None,
        acc_ok=None,
        backward=None,
        color=None,
        names=None,
    ) -> "Workload":
        """Build a workload from plain Python lists; ``edges`` are (source id, target id) pairs and
        ``out_cost`` maps a node id to its output transfer time (default 0)."""
        n = len(ids)
        index = {int(i): k for k, i in enumerate(ids)}
        cost = np.zeros(n)
        for i, c in (out_cost or {}).items():
            cost[index[int(i)]] = c
        src = [index[int(u)] for u, _ in edges]
        dst = [index[int(v)] for _, v in edges]
        return cls(
            ids=np.asarray(ids),
            acc_time=acc_time,
            cpu_time=cpu_time,
            memory=np.zeros(n) if memory is None else memory,
            acc_ok=np.ones(n, bool) if acc_ok is None else acc_ok,
            backward=np.zeros(n, bool) if backward is None else backward,
            color=np.full(n, NO_CLASS) if color is None else color,
            out_cost=cost,
            src=np.asarray(src, dtype=np.int64),
            dst=np.asarray(dst, dtype=np.int64),
            names=list(names) if names is not None else [],
        )

    @classmethod
    def from_networkx(cls, graph, acc_time: str = "acc_time", cpu_time: str = "cpu_time", memory: str = "memory",
                      acc_ok: str = "acc_ok", backward: str = "backward", colocation: str = "colocation",
                      out_cost: str = "out_cost") -> "Workload":
        """A workload from a NetworkX DiGraph whose nodes carry their costs as attributes (named by the
        arguments; ``memory``, ``out_cost`` default to 0, ``acc_ok`` to True, ``backward`` to False,
        ``colocation`` (any hashable class label) to none). Node keys may be any hashable: nodes get ids
        0..n-1 in the graph's order and their keys, as text, for names.

        >>> import networkx as nx
        >>> g = nx.DiGraph()
        >>> g.add_node("embed", acc_time=1.0, cpu_time=9.0, out_cost=0.5)
        >>> g.add_node(("block", 0), acc_time=2.0, cpu_time=20.0, memory=1e9)
        >>> g.add_edge("embed", ("block", 0))
        >>> w = Workload.from_networkx(g)
        >>> w.names, w.ids.tolist(), w.memory.tolist()
        (['embed', "('block', 0)"], [0, 1], [0.0, 1000000000.0])
        """
        keys = list(graph.nodes)
        index = {key: k for k, key in enumerate(keys)}
        attrs = [graph.nodes[key] for key in keys]

        def column(name: str, default, required: bool = False) -> list:
            out = []
            for key, a in zip(keys, attrs):
                if name not in a and required:
                    raise PipesplitError(f"node {key!r} lacks the attribute '{name}'")
                out.append(a.get(name, default))
            return out

        labels = column(colocation, None)
        classes = {lab: c for c, lab in enumerate(dict.fromkeys(x for x in labels if x is not None))}
        n = len(keys)
        return cls(ids=np.arange(n), acc_time=column(acc_time, None, True), cpu_time=column(cpu_time, None, True),
                   memory=column(memory, 0.0), acc_ok=column(acc_ok, True), backward=column(backward, False),
                   color=[NO_CLASS if x is None else classes[x] for x in labels], out_cost=column(out_cost, 0.0),
                   src=np.array([index[u] for u, _ in graph.edges], dtype=np.int64),
                   dst=np.array([index[v] for _, v in graph.edges], dtype=np.int64),
                   names=[str(key) for key in keys])

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        id_index(self.ids.tolist())
        for name, label in (("acc_time", "accelerator time"), ("cpu_time", "CPU time"), ("memory", "memory size"),
                            ("out_cost", "transfer cost")):
            arr = getattr(self, name)
            bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
            if len(bad):
                k = int(bad[0])
                raise PipesplitError(f"node {self.ids[k]} ({self.names[k]}) has {label} {arr[k]}; "
                                     "costs must be finite and non-negative")
        with np.errstate(over="ignore"):
            total_time = self.acc_time.sum() + self.cpu_time.sum() + 2 * self.out_cost.sum()
            total_memory = self.memory.sum()
        if not (np.isfinite(total_time) and np.isfinite(total_memory)):
            what = "times" if not np.isfinite(total_time) else "memory sizes"
            raise PipesplitError(f"the workload's {what} add up to more than 1e308, beyond what loads can be summed "
                                 "in; give them in a larger unit")
        n = self.num_nodes
        if len(self.src) != len(self.dst):
            raise PipesplitError("edge source and target lists differ in length")
        if len(self.src) and (self.src.min() < 0 or self.dst.min() < 0 or self.src.max() >= n or self.dst.max() >= n):
            raise PipesplitError("an edge refers to a node index outside the workload")
        loops = np.flatnonzero(self.src == self.dst)
        if len(loops):
            raise PipesplitError(f"node {self.ids[self.src[loops[0]]]} has an edge to itself; remove self-loops")
        # drop duplicate edges: they cross device boundaries together and cost nothing extra
        key = self.src * n + self.dst
        _, first = np.unique(key, return_index=True)
        if len(first) != len(key):
            first.sort()
            self.src, self.dst = self.src[first], self.dst[first]
        self.topological_order  # raises on a cycle

    # ------------------------------------------------------------------ basic facts
    @property
    def num_nodes(self) -> int:
        return len(self.ids)

    @property
    def num_edges(self) -> int:
        return len(self.src)

    @property
    def is_training(self) -> bool:
        return bool(self.backward.any())

    @cached_property
    def index_of(self) -> dict[int, int]:
        """Map from node id to its position in the arrays."""
        return {int(i): k for k, i in enumerate(self.ids.tolist())}

    def label(self, k: int) -> str:
        """How an error message names node k (its name on one line, shortened)."""
        name = self.names[k]
        return f"{self.ids[k]}" if name == str(self.ids[k]) else f"{self.ids[k]} ({one_line(name)})"

    @cached_property
    def class_of(self) -> np.ndarray:
        """Dense colocation class per node; a node without a class gets one of its own."""
        labels = np.where(self.color == NO_CLASS, -1 - np.arange(self.num_nodes), self.color)
        _, dense = np.unique(labels, return_inverse=True)
        return dense.astype(np.int64)

    @cached_property
    def out_degree(self) -> np.ndarray:
        return np.bincount(self.src, minlength=self.num_nodes).astype(np.int64)

    @cached_property
    def preds_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptr, pred) with the predecessors of node v in pred[ptr[v]:ptr[v+1]]."""
        return csr(self.dst, self.src, self.num_nodes)

    @cached_property
    def succs_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """(ptr, succ) with the successors of node u in succ[ptr[u]:ptr[u+1]]."""
        return csr(self.src, self.dst, self.num_nodes)

    @cached_property
    def topological_order(self) -> np.ndarray:
        """Node indices in a topological order; a cycle is an error that names nodes on it."""
        order = topological_sort(self.num_nodes, self.src, self.dst)
        if order is None:
            cycle = find_cycle(self.num_nodes, self.src, self.dst)
            shown = " -> ".join(self.label(k) for k in cycle[:8]) + (" -> ..." if len(cycle) > 8 else "")
            raise PipesplitError(f"the graph has a cycle: {shown} -> {self.label(cycle[0])}; "
                                 "a workload must be a DAG")
        return order


def one_line(text: str, width: int = 60) -> str:
    """``text`` for a one-line message: control characters escaped, cut to ``width`` characters.

    >>> one_line("a\\nb")
    'a\\\\nb'
    """
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return shown if len(shown) <= width else shown[: width - 3] + "..."


def id_index(ids) -> dict:
    """Position of each node id; a repeated id is an error naming both positions.

    >>> id_index([7, 3])
    {7: 0, 3: 1}
    """
    index: dict = {}
    for k, i in enumerate(ids):
        if i in index:
            raise PipesplitError(f"duplicate node id {i} (nodes #{index[i]} and #{k}); give every node a unique id")
        index[i] = k
    return index
