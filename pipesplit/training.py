"""Training graphs: a backward node per forward node, by one edge rule for the synthetic generators
and the importers alike.

The rule (``backward_edges``): forward node v gets a backward node v' (index v + n), colocated with v.
Each forward edge u -> v gives a gradient edge v' -> u' (the gradient flows back) and an activation
edge u -> v' (v's backward reads v's inputs), and v -> v' for every v (it reads v's own stored output).
The activation edges never add transfer cost beyond the forward edge u -> v, since v' sits with v and
a node's output is paid once per device and direction; they keep the latency model's order honest.
"""

from __future__ import annotations

import numpy as np

from .errors import PipesplitError
from .workload import NO_CLASS, Workload


def backward_edges(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The training graph's edges for forward nodes 0..n-1 with edges ``src -> dst``: the forward
    edges, then the gradient, activation and own-output edges of the module docstring.

    >>> s, d = backward_edges(2, np.array([0]), np.array([1]))
    >>> sorted(zip(s.tolist(), d.tolist()))
    [(0, 1), (0, 2), (0, 3), (1, 3), (3, 2)]
    """
    src, dst = np.asarray(src, np.int64), np.asarray(dst, np.int64)
    own = np.arange(n, dtype=np.int64)
    return np.concatenate([src, dst + n, src, own]), np.concatenate([dst, src + n, dst + n, own + n])


def add_backward(workload: Workload, time_factor: float = 2.0, memory_factor: float = 1.0) -> Workload:
    """The training graph of a forward workload.

    Every forward node v gets a backward node v' (id ``v + offset``, name ``v.grad``) in v's colocation
    class (v gets a new class if it had none), taking ``time_factor`` times v's times and
    ``memory_factor`` times v's memory (its weight gradients), with the edges of ``backward_edges``.
    v' sends the gradient of v's largest input, so its transfer cost is the largest transfer cost
    among v's forward predecessors (v's own for a source).

    >>> from pipesplit.workload import Workload
    >>> w = add_backward(Workload.from_lists(ids=[0, 1], acc_time=[1, 2], cpu_time=[9, 9], edges=[(0, 1)],
    ...                                      out_cost={0: 0.5}))
    >>> w.names, w.color.tolist(), w.acc_time.tolist()
    (['0', '1', '0.grad', '1.grad'], [0, 1, 0, 1], [1.0, 2.0, 2.0, 4.0])
    >>> sorted(zip(w.src.tolist(), w.dst.tolist()))
    [(0, 1), (0, 2), (0, 3), (1, 3), (3, 2)]
    """
    w = workload
    if w.is_training:
        raise PipesplitError("the workload already has backward nodes; add_backward takes a forward graph")
    if time_factor < 0 or memory_factor < 0:
        raise PipesplitError("time_factor and memory_factor must be non-negative")
    n = w.num_nodes
    offset = int(w.ids.max()) + 1 if n else 0
    color = w.color.copy()
    free = np.flatnonzero(color == NO_CLASS)
    color[free] = (int(color.max()) + 1 if (color != NO_CLASS).any() else 0) + np.arange(len(free))
    # gradient cost of v': the largest transfer cost among v's predecessors (v's own for a source)
    grad_cost = w.out_cost.copy()
    has_pred = np.zeros(n, dtype=bool)
    has_pred[w.dst] = True
    grad_cost[has_pred] = 0.0
    np.maximum.at(grad_cost, w.dst, w.out_cost[w.src])
    src, dst = backward_edges(n, w.src, w.dst)
    def twice(x):
        return None if x is None else list(x) * 2
    return Workload(
        ids=np.concatenate([w.ids, w.ids + offset]),
        acc_time=np.concatenate([w.acc_time, time_factor * w.acc_time]),
        cpu_time=np.concatenate([w.cpu_time, time_factor * w.cpu_time]),
        memory=np.concatenate([w.memory, memory_factor * w.memory]),
        acc_ok=np.concatenate([w.acc_ok, w.acc_ok]),
        backward=np.concatenate([np.zeros(n, bool), np.ones(n, bool)]),
        color=np.concatenate([color, color]),
        out_cost=np.concatenate([w.out_cost, grad_cost]),
        src=src, dst=dst,
        names=list(w.names) + [f"{name}.grad" for name in w.names],
        layer=twice(w.layer),
        op_type=None if w.op_type is None else list(w.op_type) + [f"{t}Grad" for t in w.op_type],
        time_unit=w.time_unit,
    )
