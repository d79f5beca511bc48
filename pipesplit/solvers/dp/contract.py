"""Preprocessing for the dynamic programs: the forward DAG of *units* that a contiguous split cuts.

Following the paper's reference implementation, each step lossless for the instance at hand:

1. each colocation class becomes one unit (its forward and backward nodes go together);
2. a class with no forward node takes its position from its backward edges, mirrored
   (``placement.order_edges``: the same rule ``evaluate(contiguous=True)`` applies);
3. strongly connected components of the unit graph are fused (all units on a cycle share a device in
   any contiguous split);
4. a unit with zero time whose every edge (forward, backward or between them) joins it to one and the
   same other unit is merged into that neighbour (a weight tensor into the operator that reads it),
   repeatedly. Moving such a unit onto its neighbour's device never raises a load (its edges become
   internal), so this loses nothing unless that device cannot take it:
   an accelerator-forbidden unit merges only into a forbidden one, and with ``keep_memory`` (when
   memory may bind) a unit holding memory is not merged at all.

Transfer costs are still charged per original node by the DP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...graph import csr, strong_components, topological_sort, unique_pairs
from ...placement import order_edges
from ...workload import Workload


@dataclass
class Units:
    """The contracted forward DAG, units numbered in a topological order."""

    unit_of: np.ndarray  # original node -> unit
    src: np.ndarray  # unit edges (deduplicated), src < dst
    dst: np.ndarray
    ptr: np.ndarray  # members of unit x: nodes[ptr[x]:ptr[x+1]]
    nodes: np.ndarray
    a: np.ndarray  # summed accelerator time, CPU time, memory; count of accelerator-forbidden members
    p: np.ndarray
    mem: np.ndarray
    bad: np.ndarray

    @property
    def num_units(self) -> int:
        return len(self.a)

    def members(self, x: int) -> np.ndarray:
        return self.nodes[self.ptr[x]:self.ptr[x + 1]]

    def renumbered(self, order: np.ndarray) -> "Units":
        """The same units listed in ``order`` (a topological order of the unit DAG)."""
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        sizes = np.diff(self.ptr)[order]
        ptr = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(sizes, out=ptr[1:])
        starts = np.repeat(self.ptr[order], sizes)
        nodes = self.nodes[starts + np.arange(ptr[-1]) - np.repeat(ptr[:-1], sizes)]
        return Units(unit_of=rank[self.unit_of], src=rank[self.src], dst=rank[self.dst], ptr=ptr, nodes=nodes,
                     a=self.a[order], p=self.p[order], mem=self.mem[order], bad=self.bad[order])


def _unit_edges(w: Workload, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ordering edges of a contiguous split (``placement.order_edges``) between groups."""
    u, v = order_edges(w)
    gs, gd = group[u], group[v]
    keep = gs != gd
    pairs = unique_pairs(gs[keep], gd[keep])
    return pairs[0], pairs[1]


def _relabel(group: np.ndarray) -> np.ndarray:
    return np.unique(group, return_inverse=True)[1].astype(np.int64)


def contract(w: Workload, keep_memory: bool = False) -> Units:
    """The unit DAG of a workload (see the module docstring). With ``keep_memory`` a zero-time unit
    that holds memory is not merged (when memory may bind, merging it could lose the optimum)."""
    n = w.num_nodes
    group = w.class_of.copy()
    src, dst = _unit_edges(w, group)
    m = group.max() + 1
    if topological_sort(m, src, dst) is None:
        group = strong_components(m, src, dst)[group]
        group = _relabel(group)
        src, dst = _unit_edges(w, group)

    # merge zero-time leaves (e.g. weights) into their only neighbour
    time = w.acc_time + w.cpu_time
    bad_node = (~w.acc_ok).astype(np.float64)
    while True:
        m = group.max() + 1
        g_time = np.bincount(group, weights=time, minlength=m)
        g_bad = np.bincount(group, weights=bad_node, minlength=m) > 0
        g_mem = np.bincount(group, weights=w.memory, minlength=m)
        # neighbours over every edge (forward, backward and between them), each counted once
        gs, gd = group[w.src], group[w.dst]
        cross = gs != gd
        near = unique_pairs(np.concatenate([gs[cross], gd[cross]]), np.concatenate([gd[cross], gs[cross]]))
        nb = np.bincount(near[0], minlength=m)
        free = (g_time == 0) & (nb == 1)
        if keep_memory:
            free &= g_mem == 0
        cand = np.flatnonzero(free)
        other = np.full(m, -1, dtype=np.int64)  # the only neighbour of each candidate
        other[near[0]] = near[1]
        target = np.arange(m)
        leaving = np.zeros(m, dtype=bool)
        for x in cand.tolist():
            y = int(other[x])
            # a pair of candidates: only one of them merges into the other; an accelerator-forbidden unit
            # joins only a forbidden one (else it would force its neighbour off the accelerators)
            if not leaving[y] and (not g_bad[x] or g_bad[y]):
                target[x] = y
                leaving[x] = True
        if not leaving.any():
            break
        group = _relabel(target[group])
        src, dst = _unit_edges(w, group)

    m = group.max() + 1
    order = topological_sort(m, src, dst)
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(m)
    return build_units(n, rank[group], rank[src], rank[dst],
                  (w.acc_time, w.cpu_time, w.memory, (~w.acc_ok).astype(np.float64)))


def build_units(n: int, unit_of: np.ndarray, src: np.ndarray, dst: np.ndarray, weights) -> Units:
    """Units from a node-to-unit map, unit edges and the (a, p, memory, forbidden) node weights summed per unit."""
    m = int(unit_of.max()) + 1 if n else 0
    ptr, nodes = csr(unit_of, np.arange(n, dtype=np.int64), m)
    a, p, mem, bad = (np.bincount(unit_of, weights=x, minlength=m) for x in weights)
    return Units(unit_of=unit_of, src=src, dst=dst, ptr=ptr, nodes=nodes, a=a, p=p, mem=mem,
                 bad=np.rint(bad).astype(np.int64))
