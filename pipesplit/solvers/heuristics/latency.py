"""Latency heuristics: the paper's baselines, a chain dynamic program and a polishing local search.

- ``greedy_latency_split``: the paper's greedy. Colocation classes, with strongly connected classes
  fused, are listed in a topological order; each accelerator in turn takes the next blocks for as
  long as they fit in its memory; blocks that fit no accelerator (or cannot run on one), and all
  blocks once the accelerators are used up, run on the CPU.
- ``dp_latency_split``: the throughput dynamic program's split, evaluated for latency.
- ``chain_latency_split``: a dynamic program along topological orders (warm starts the latency program).
- ``polish_latency``: single-unit moves while the latency drops.

A latency method's ``Solution.value`` is the latency that ``evaluate_latency`` gives its placement
(see ``result.latency_solution``).
"""

from __future__ import annotations

import math
import time

import numba
import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...graph import csr, strong_components, unique_pairs
from ...latency import evaluate_latency
from ...placement import Placement
from ...workload import Workload
from ..result import LatencyOptions, Solution, latency_solution


def inseparable_blocks(workload: Workload) -> list[np.ndarray]:
    """Colocation classes with strongly connected ones fused, in a topological order (depth first)."""
    w = workload
    cls = w.class_of
    m = int(cls.max()) + 1 if w.num_nodes else 0
    cs, cd = cls[w.src], cls[w.dst]
    keep = cs != cd
    comp = strong_components(m, cs[keep], cd[keep])
    block = comp[cls]
    b = int(block.max()) + 1 if w.num_nodes else 0
    bs, bd = block[w.src], block[w.dst]
    keep = bs != bd
    pairs = unique_pairs(bs[keep], bd[keep])
    ptr, succ = csr(pairs[0], pairs[1], b)
    indeg = np.bincount(pairs[1], minlength=b).tolist()
    first = np.full(b, w.num_nodes)
    np.minimum.at(first, block, np.arange(w.num_nodes))
    stack = sorted((int(x) for x in np.flatnonzero(np.asarray(indeg) == 0)), key=lambda x: -first[x])
    order = []
    while stack:
        x = stack.pop()
        order.append(x)
        for y in succ[ptr[x]:ptr[x + 1]].tolist():
            indeg[y] -= 1
            if indeg[y] == 0:
                stack.append(y)
    members = csr(block, np.arange(w.num_nodes, dtype=np.int64), b)
    return [members[1][members[0][x]:members[0][x + 1]] for x in order]


def greedy_latency_split(workload: Workload, cluster: Cluster, *, options: LatencyOptions = LatencyOptions(),
                         progress: bool = False) -> Solution:
    """The paper's greedy latency baseline (see the module docstring).

    >>> w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1, 1, 1], cpu_time=[9, 9, 9],
    ...                         edges=[(1, 2), (2, 3)], memory=[1, 1, 1])
    >>> s = greedy_latency_split(w, Cluster(2, memory=2, cpus=1))
    >>> s.value, s.placement.device.tolist()
    (3.0, [0, 0, 1])
    """
    started = time.perf_counter()
    w, K, M = workload, cluster.accelerators, cluster.memory
    device = np.full(w.num_nodes, K, dtype=np.int64)
    acc, used = -1, math.inf
    for nodes in inseparable_blocks(w):
        size = float(w.memory[nodes].sum())
        if size > M or not w.acc_ok[nodes].all():
            continue
        if acc >= 0 and used + size <= M:
            device[nodes] = acc
            used += size
        elif acc + 1 < K:
            acc += 1
            device[nodes] = acc
            used = size
        else:
            continue  # accelerators used up: CPU
    if cluster.cpus == 0 and (device >= K).any():
        raise PipesplitError("the greedy split needs CPU cores (a block fits no accelerator); add {cpus}")
    placement = Placement(device, accelerators=K, cpus=max(cluster.cpus, 1))
    return latency_solution(w, cluster, placement, "greedy-latency", False, started,
                            max_calls=options.calls_per_accelerator)


def dp_latency_split(workload: Workload, cluster: Cluster, *, options: LatencyOptions = LatencyOptions(),
                     progress: bool = False) -> Solution:
    """The throughput dynamic program's split, evaluated for latency (the paper's second baseline)."""
    from ..dp.exact import dp_split
    from ..dp.linear import dp_linear_split
    started = time.perf_counter()
    try:
        sol = dp_split(workload, cluster, progress=progress)
    except PipesplitError:
        sol = dp_linear_split(workload, cluster, progress=progress)
    return latency_solution(workload, cluster, sol.placement, "dp-latency", False, started,
                            stats={"max_load": sol.value}, max_calls=options.calls_per_accelerator)


def chain_latency_split(workload: Workload, cluster: Cluster, *, options: LatencyOptions = LatencyOptions(),
                        progress: bool = False, orders: int = 8) -> Solution:
    """A latency heuristic: along a few topological orders of the units, the segmentation into at
    most K accelerator segments (each fits in memory) and CPU units that minimizes the sum of
    segment loads and CPU times (the latency of a chain), found by a dynamic program; the order
    whose split has the least true latency wins. Used to warm-start the latency program."""
    from ..dp.contract import contract
    from ..dp.linear import dfs_orders
    started = time.perf_counter()
    w, K = workload, cluster.accelerators
    units = contract(w)
    n = units.num_units
    M = cluster.memory
    cpu_ok = cluster.cpus > 0
    best = None
    order_list = dfs_orders(units, orders, 0)
    pred_ptr, pred = w.preds_csr
    for order in order_list:
        pos = np.empty(n, np.int64)
        pos[order] = np.arange(n)
        node_pos = pos[units.unit_of]
        last_succ = np.full(w.num_nodes, -1)
        if len(w.src):
            np.maximum.at(last_succ, w.src, node_pos[w.dst])
        f, choice = _chain_latency_dp(order.astype(np.int64), units.a, units.p, units.mem, units.bad, units.ptr,
                                      units.nodes, w.out_cost, pred_ptr, pred, node_pos, last_succ, K,
                                      M if math.isfinite(M) else np.inf, cpu_ok)
        k = int(np.argmin(f[n]))
        if not math.isfinite(f[n, k]):
            continue
        unit_dev = np.full(n, K, np.int64)
        i, acc = n, 0
        while i > 0:
            c = int(choice[i, k])
            if c < 0:
                i -= 1
            else:
                unit_dev[order[c:i]] = acc
                acc += 1
                i, k = c, k - 1
        placement = Placement(unit_dev[units.unit_of], accelerators=K, cpus=max(cluster.cpus, 1))
        sol = latency_solution(w, cluster, placement, "chain-latency", False, started,
                               max_calls=options.calls_per_accelerator)
        if sol.feasible and (best is None or sol.value < best.value):
            best = sol
    if best is None:
        raise PipesplitError("no chain split fits the accelerators' memory; add accelerators, memory or {cpus}")
    best.seconds = time.perf_counter() - started
    return best


@numba.njit(cache=True)
def _chain_latency_dp(order, unit_a, unit_p, unit_mem, unit_bad, unit_ptr, unit_nodes, cost, pred_ptr, preds,
                      node_pos, last_succ, K, M, cpu_ok):
    """f[i, k]: the least summed latency of the first i units of ``order`` with k accelerator segments
    (a segment: its compute plus transfers in and out, as one call), the rest on the CPU; choice[i, k]:
    where the last segment starts (-1: unit i-1 on the CPU). Segments grow backwards from each end in
    time linear in their members' degrees, and stop once their compute alone cannot improve f[i]."""
    n = len(order)
    f = np.full((n + 1, K + 1), np.inf)
    f[0, :] = 0.0
    choice = np.full((n + 1, K + 1), -2, np.int64)
    mark = np.full(len(cost), -1, np.int64)
    for i in range(1, n + 1):
        cpu_cost = unit_p[order[i - 1]] if cpu_ok else np.inf
        worst = 0.0
        for k in range(K + 1):
            f[i, k] = f[i - 1, k] + cpu_cost
            choice[i, k] = -1
            worst = max(worst, f[i, k])
        comp = 0.0
        mem = 0.0
        tin = 0.0
        out = 0.0
        for j in range(i - 1, -1, -1):
            x = order[j]
            comp += unit_a[x]
            mem += unit_mem[x]
            if unit_bad[x] > 0 or mem > M or comp >= worst:
                break
            for e in range(unit_ptr[x], unit_ptr[x + 1]):
                v = unit_nodes[e]
                c = cost[v]
                if mark[v] == i:  # v fed the segment from outside: now inside
                    tin -= c
                    mark[v] = -1
                if last_succ[v] >= i:
                    out += c
                for q in range(pred_ptr[v], pred_ptr[v + 1]):
                    u = preds[q]
                    if node_pos[u] < j and mark[u] != i:
                        mark[u] = i
                        tin += cost[u]
            seg = comp + tin + out
            worst = 0.0
            for k in range(1, K + 1):
                cand = f[j, k - 1] + seg
                if cand < f[i, k]:
                    f[i, k] = cand
                    choice[i, k] = j
            for k in range(K + 1):
                worst = max(worst, f[i, k])
    return f, choice


def polish_latency(workload: Workload, cluster: Cluster, placement: Placement, max_calls: int = 1,
                   time_limit: float = 30.0) -> Placement:
    """First-improvement moves of one unit (colocation class with fused cycles) to the CPU or another
    accelerator while the latency drops and memory holds; stops after ``time_limit`` seconds."""
    from ..dp.contract import contract
    w, K = workload, cluster.accelerators
    units = contract(w)
    rep = units.nodes[units.ptr[:-1]]
    dev = placement.device.copy()
    unit_dev = np.where(dev[rep] < K, dev[rep], K)
    mem = np.zeros(max(K, 1))
    np.add.at(mem, unit_dev[unit_dev < K], units.mem[unit_dev < K])

    def latency_of(ud):
        p = Placement(ud[units.unit_of], accelerators=K, cpus=max(cluster.cpus, 1))
        e = evaluate_latency(w, cluster, p, max_calls=max_calls)
        return e.latency if e.feasible else math.inf

    best = latency_of(unit_dev)
    deadline = time.perf_counter() + time_limit
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for u in np.argsort(-units.a).tolist():
            if time.perf_counter() >= deadline:
                break
            d0 = int(unit_dev[u])
            targets = ([K] if cluster.cpus and d0 < K else []) + [
                d for d in range(K) if d != d0 and units.bad[u] == 0 and mem[d] + units.mem[u] <= cluster.memory]
            for d in targets:
                unit_dev[u] = d
                lat = latency_of(unit_dev)
                if lat < best - 1e-9 * max(1.0, best):
                    best = lat
                    if d0 < K:
                        mem[d0] -= units.mem[u]
                    if d < K:
                        mem[d] += units.mem[u]
                    d0 = d
                    improved = True
                else:
                    unit_dev[u] = d0
    return Placement(unit_dev[units.unit_of], accelerators=K, cpus=max(cluster.cpus, 1))
