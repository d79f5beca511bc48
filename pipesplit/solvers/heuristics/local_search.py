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


CHUNK = 16  # moves per compiled call between looks at the clock


@dataclass(frozen=True)
class LocalSearchOptions:
    """``restarts`` random starts, ``seed`` of the generator, ``max_moves`` per start, and a
    ``time_limit`` in seconds for the whole search (the best split so far is returned then)."""

    restarts: int = 10
    seed: int = 0
    max_moves: int = 100_000
    time_limit: float = 60.0


@numba.njit(cache=True, inline="always")
def _contrib(u, X, dev, cnt, outdeg, cost, K):
    """What node u's output costs device X: out if u is on X with a successor elsewhere, in if u is
    elsewhere with a successor on X (accelerators only)."""
    if X >= K or cost[u] == 0.0:
        return 0.0
    if dev[u] == X:
        return cost[u] if outdeg[u] - cnt[u, X] > 0 else 0.0
    return cost[u] if cnt[u, X] > 0 else 0.0


@numba.njit(cache=True)
def _initial_loads(dev, cnt, outdeg, a, p, cost, K, D):
    loads = np.zeros(D)
    for v in range(len(dev)):
        loads[dev[v]] += a[v] if dev[v] < K else p[v]
        for X in range(K):
            loads[X] += _contrib(v, X, dev, cnt, outdeg, cost, K)
    return loads


@numba.njit(cache=True)
def _move(c, d0, d, cls_ptr, cls_nodes, dev, cnt, pred_ptr, preds, step):
    """Move class c's nodes from device d0 to d (``step`` = 1), or back (``step`` = -1 after a move)."""
    src_dev, dst_dev = (d0, d) if step == 1 else (d, d0)
    for i in range(cls_ptr[c], cls_ptr[c + 1]):
        v = cls_nodes[i]
        dev[v] = dst_dev
        for e in range(pred_ptr[v], pred_ptr[v + 1]):
            cnt[preds[e], src_dev] -= 1
            cnt[preds[e], dst_dev] += 1


@numba.njit(cache=True, inline="always")
def _touch(u, mark, stamp, touched, count):
    """Append u to ``touched`` once per ``stamp``; the new count."""
    if mark[u] != stamp:
        mark[u] = stamp
        touched[count] = u
        count += 1
    return count


@numba.njit(cache=True)
def _move_loads(c, d0, d, cls_ptr, cls_nodes, dev, cnt, outdeg, pred_ptr, preds, a, p, cost, K, loads, mark,
                stamp, touched):
    """Loads of d0 and d if class c moved from d0 to d: only its nodes and their predecessors change
    what they cost these two devices, so this takes time in the class's degree."""
    count = 0
    for i in range(cls_ptr[c], cls_ptr[c + 1]):
        v = cls_nodes[i]
        count = _touch(v, mark, stamp, touched, count)
        for e in range(pred_ptr[v], pred_ptr[v + 1]):
            count = _touch(preds[e], mark, stamp, touched, count)
    la = loads[d0]
    lb = loads[d]
    for t in range(count):
        u = touched[t]
        la -= _contrib(u, d0, dev, cnt, outdeg, cost, K)
        lb -= _contrib(u, d, dev, cnt, outdeg, cost, K)
    _move(c, d0, d, cls_ptr, cls_nodes, dev, cnt, pred_ptr, preds, 1)
    for t in range(count):
        u = touched[t]
        la += _contrib(u, d0, dev, cnt, outdeg, cost, K)
        lb += _contrib(u, d, dev, cnt, outdeg, cost, K)
    _move(c, d0, d, cls_ptr, cls_nodes, dev, cnt, pred_ptr, preds, -1)
    for i in range(cls_ptr[c], cls_ptr[c + 1]):
        v = cls_nodes[i]
        la -= a[v] if d0 < K else p[v]
        lb += a[v] if d < K else p[v]
    return la, lb


@numba.njit(cache=True)
def _local_search(dev, cnt, loads, cls_ptr, cls_nodes, cls_mem, cls_bad, K, D, mem_limit, a, p, cost, outdeg,
                  pred_ptr, preds, max_moves):
    """Up to ``max_moves`` best single-class moves (by max load, then sum of squared loads), in place;
    returns the number made (fewer: a local optimum)."""
    n = len(dev)
    m = len(cls_ptr) - 1
    mark = np.zeros(n, np.int64)
    touched = np.empty(n, np.int64)
    stamp = 0
    mem = np.zeros(D)
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
                stamp += 1
                la, lb = _move_loads(c, d0, d, cls_ptr, cls_nodes, dev, cnt, outdeg, pred_ptr, preds, a, p, cost, K,
                                     loads, mark, stamp, touched)
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
        _move(best_c, d0, best_d, cls_ptr, cls_nodes, dev, cnt, pred_ptr, preds, 1)
        loads[d0], loads[best_d] = best_la, best_lb
        if d0 < K:
            mem[d0] -= cls_mem[best_c]
        if best_d < K:
            mem[best_d] += cls_mem[best_c]
        moves += 1
    return moves


def _successor_counts(w: Workload, dev: np.ndarray, D: int) -> np.ndarray:
    """cnt[u, d]: how many successors of node u are on device d."""
    cnt = np.zeros((w.num_nodes, D), np.int64)
    np.add.at(cnt, (w.src, dev[w.dst]), 1)
    return cnt


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
    pred_ptr, preds = w.preds_csr
    deadline = started + options.time_limit
    best, best_key, total_moves = None, (math.inf, math.inf), 0
    for restart in range(max(1, options.restarts)):
        if restart and time.perf_counter() >= deadline:
            break
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
        cnt = _successor_counts(w, dev, D)
        loads = _initial_loads(dev, cnt, w.out_degree, w.acc_time, w.cpu_time, w.out_cost, K, D)
        done = 0
        while done < options.max_moves and time.perf_counter() < deadline:  # in chunks, to keep the time limit
            step = _local_search(dev, cnt, loads, ptr, order, cls_mem, cls_bad, K, D, mem_limit, w.acc_time,
                                 w.cpu_time, w.out_cost, w.out_degree, pred_ptr, preds,
                                 min(CHUNK, options.max_moves - done))
            done += step
            if step < CHUNK:
                break
        total_moves += done
        ev = evaluate(w, cluster, Placement(dev, K, L))
        key = (ev.max_load, sum(x.load ** 2 for x in ev.devices))
        if ev.feasible and key < best_key:
            best, best_key = dev, key
    if best is None:
        raise PipesplitError("local search found no split within the memory limits; add accelerators or memory")
    return throughput_solution(w, cluster, best, "local-search", started, {"restarts": options.restarts, "moves": total_moves})
