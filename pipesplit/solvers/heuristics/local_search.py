"""Local search: random starts, then the best single move of a colocation class to another device
while it lowers (max load, sum of squared loads); memory limits are respected."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numba
import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...placement import Placement, evaluate
from ...workload import Workload
from ..result import Solution, throughput_solution


@dataclass(frozen=True)
class LocalSearchOptions:
    """``restarts`` random starts, ``seed`` of the generator, ``max_moves`` per start."""

    restarts: int = 10
    seed: int = 0
    max_moves: int = 100_000


@numba.njit(cache=True)
def _device_load(d, dev, is_acc, a, p, cost, src, dst, mark):
    """Load of device d under ``dev`` (compute, plus transfers once per node and direction on accelerators)."""
    load = 0.0
    n = len(dev)
    for v in range(n):
        if dev[v] == d:
            load += a[v] if is_acc else p[v]
    if not is_acc:
        return load
    for e in range(len(src)):
        u, v = src[e], dst[e]
        du, dv = dev[u], dev[v]
        if (du == d) != (dv == d) and mark[u] == 0:
            mark[u] = 1
            load += cost[u]
    for e in range(len(src)):
        mark[src[e]] = 0
    return load


@numba.njit(cache=True)
def _local_search(dev, cls_ptr, cls_nodes, cls_mem, cls_bad, K, D, mem_limit, a, p, cost, src, dst, max_moves):
    n = len(dev)
    m = len(cls_ptr) - 1
    mark = np.zeros(n, np.uint8)
    loads = np.empty(D)
    mem = np.zeros(D)
    for d in range(D):
        loads[d] = _device_load(d, dev, d < K, a, p, cost, src, dst, mark)
    for c in range(m):
        d = dev[cls_nodes[cls_ptr[c]]]
        if d < K:
            mem[d] += cls_mem[c]
    moves = 0
    while moves < max_moves:
        cur_max = loads.max()
        cur_sq = (loads * loads).sum()
        best_c, best_d = -1, -1
        best_max, best_sq = cur_max, cur_sq
        best_la, best_lb = 0.0, 0.0
        for c in range(m):
            d0 = dev[cls_nodes[cls_ptr[c]]]
            for d in range(D):
                if d == d0:
                    continue
                if d < K and (cls_bad[c] or mem[d] + cls_mem[c] > mem_limit):
                    continue
                for i in range(cls_ptr[c], cls_ptr[c + 1]):
                    dev[cls_nodes[i]] = d
                la = _device_load(d0, dev, d0 < K, a, p, cost, src, dst, mark)
                lb = _device_load(d, dev, d < K, a, p, cost, src, dst, mark)
                for i in range(cls_ptr[c], cls_ptr[c + 1]):
                    dev[cls_nodes[i]] = d0
                new_max = max(la, lb)
                for e in range(D):
                    if e != d0 and e != d and loads[e] > new_max:
                        new_max = loads[e]
                new_sq = cur_sq - loads[d0] ** 2 - loads[d] ** 2 + la * la + lb * lb
                if new_max < best_max - 1e-12 or (new_max <= best_max + 1e-12 and new_sq < best_sq - 1e-9):
                    best_c, best_d, best_max, best_sq, best_la, best_lb = c, d, new_max, new_sq, la, lb
        if best_c < 0:
            break
        d0 = dev[cls_nodes[cls_ptr[best_c]]]
        for i in range(cls_ptr[best_c], cls_ptr[best_c + 1]):
            dev[cls_nodes[i]] = best_d
        loads[d0], loads[best_d] = best_la, best_lb
        if d0 < K:
            mem[d0] -= cls_mem[best_c]
        if best_d < K:
            mem[best_d] += cls_mem[best_c]
        moves += 1
    return moves


def local_search_split(workload: Workload, cluster: Cluster, *, options: LocalSearchOptions = LocalSearchOptions(),
                       progress: bool = False) -> Solution:
    """Best single-class moves from random starts; the best local optimum over the restarts.

    >>> w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[3, 1, 1, 3], cpu_time=[30] * 4,
    ...                         edges=[(1, 2), (2, 3), (3, 4)])
    >>> local_search_split(w, Cluster(2)).value
    4.0
    """
    started = time.perf_counter()
    w, K, L = workload, cluster.accelerators, cluster.cpus
    D = K + L
    cls = w.class_of
    m = int(cls.max()) + 1
    order = np.argsort(cls, kind="stable")
    ptr = np.zeros(m + 1, np.int64)
    np.cumsum(np.bincount(cls, minlength=m), out=ptr[1:])
    cls_mem = np.bincount(cls, weights=w.memory, minlength=m)
    cls_bad = np.bincount(cls, weights=(~w.acc_ok).astype(np.float64), minlength=m) > 0
    mem_limit = cluster.memory if math.isfinite(cluster.memory) else np.inf
    if L == 0 and (cls_bad.any() or (cls_mem > mem_limit).any()):
        raise PipesplitError("a node or colocated group fits no accelerator and the cluster has no CPU cores; add {cpus}")
    rng = np.random.default_rng(options.seed)
    best, best_key, total_moves = None, (math.inf, math.inf), 0
    for _ in range(max(1, options.restarts)):
        dev_cls = np.full(m, -1, np.int64)
        mem = np.zeros(max(K, 1))
        for c in rng.permutation(m).tolist():
            choices = [d for d in range(K) if not cls_bad[c] and mem[d] + cls_mem[c] <= mem_limit]
            if choices:
                d = int(rng.choice(choices))
                mem[d] += cls_mem[c]
            elif L:
                d = K + int(rng.integers(L))
            else:
                d = -1
            dev_cls[c] = d
        if (dev_cls < 0).any():
            continue  # no memory-feasible random start this time
        dev = dev_cls[cls].copy()
        total_moves += _local_search(dev, ptr, order, cls_mem, cls_bad, K, D, mem_limit, w.acc_time, w.cpu_time,
                                     w.out_cost, w.src, w.dst, options.max_moves)
        ev = evaluate(w, cluster, Placement(dev, K, L))
        key = (ev.max_load, sum(x.load ** 2 for x in ev.devices))
        if ev.feasible and key < best_key:
            best, best_key = dev, key
    if best is None:
        raise PipesplitError("local search found no split within the memory limits; add accelerators or memory")
    return throughput_solution(w, cluster, best, "local-search", started, {"restarts": options.restarts, "moves": total_moves})
