"""Throughput baselines of the paper, each a plain function returning a ``Solution`` whose value is
``evaluate()``'s max load of its placement.

- ``pipedream_split``: PipeDream's partitioner handles chains of layers. Each biconnected component
  of the (undirected) unit graph is contracted, its cut vertices kept apart, which turns a DAG of
  branches and residual blocks into a chain; the dynamic program then splits that chain. Inputs
  with no cost (no predecessor, zero time) are left out of the components.
- ``metis_split``: a graph partitioner (METIS via ``pymetis``) into one part per accelerator: vertex
  weights accelerator time, edge weights transfer cost. Nodes that cannot run on accelerators go on
  a CPU core.
- ``local_search_split``: random starts, then the best single move of a colocation class to another
  device while it lowers (max load, sum of squared loads); memory limits are respected.
- ``one_accelerator_split``: everything on one accelerator (nodes it cannot run on a CPU core).
- ``expert_split``: a split given as a file.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numba
import numpy as np

from ..cluster import Cluster
from ..errors import PipesplitError
from ..placement import Placement, evaluate
from ..workload import Workload, connected_components
from .contract import contract
from .result import Solution


def _solution(workload: Workload, cluster: Cluster, device: np.ndarray, method: str, started: float,
              stats: dict | None = None, contiguous: bool = False) -> Solution:
    placement = Placement(device, accelerators=cluster.accelerators, cpus=cluster.cpus)
    evaluation = evaluate(workload, cluster, placement, contiguous=contiguous)
    return Solution(placement=placement, evaluation=evaluation, method=method, value=evaluation.max_load,
                    optimal=False, seconds=time.perf_counter() - started, stats=stats or {})


def _cpu_or_fail(cluster: Cluster, what: str) -> int:
    if cluster.cpus == 0:
        raise PipesplitError(f"{what} cannot run on an accelerator and the cluster has no CPU cores; add --cpus")
    return cluster.accelerators


# ---------------------------------------------------------------------------------------- pipedream
def biconnected_blocks(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Group of each vertex after contracting every biconnected component of the undirected graph
    with more than one edge; cut vertices (in several components) stay alone."""
    adj: list[list[int]] = [[] for _ in range(n)]
    for e, (u, v) in enumerate(zip(src.tolist(), dst.tolist())):
        adj[u].append(e)
        adj[v].append(e)
    ends = np.stack([src, dst], 1).tolist()
    disc = [-1] * n
    low = [0] * n
    comps: list[list[int]] = []  # edge lists
    timer = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack = [(root, -1, 0)]
        estack: list[int] = []
        while stack:
            u, pe, i = stack[-1]
            if i < len(adj[u]):
                stack[-1] = (u, pe, i + 1)
                e = adj[u][i]
                if e == pe:
                    continue
                a, b = ends[e]
                v = b if a == u else a
                if disc[v] < 0:
                    estack.append(e)
                    disc[v] = low[v] = timer
                    timer += 1
                    stack.append((v, e, 0))
                elif disc[v] < disc[u]:
                    estack.append(e)
                    low[u] = min(low[u], disc[v])
            else:
                stack.pop()
                if stack:
                    p = stack[-1][0]
                    low[p] = min(low[p], low[u])
                    if low[u] >= disc[p]:  # p separates u's subtree: pop one component
                        comp = []
                        while True:
                            e = estack.pop()
                            comp.append(e)
                            if e == pe:
                                break
                        comps.append(comp)
    count = np.zeros(n, np.int64)
    members = []
    for comp in comps:
        vs = np.unique(np.asarray([ends[e] for e in comp]).ravel())
        members.append(vs)
        count[vs] += 1
    pairs = []
    for comp, vs in zip(comps, members):
        if len(comp) < 2:
            continue
        inner = [int(v) for v in vs if count[v] == 1]
        pairs += [(inner[0], v) for v in inner[1:]]
    group = connected_components(n, pairs)
    return np.unique(group, return_inverse=True)[1].astype(np.int64)


def pipedream_split(workload: Workload, cluster: Cluster, *, options=None, progress: bool = False) -> Solution:
    """PipeDream-style: contract biconnected components into a chain, then split it by the DP.

    >>> w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[1, 2, 2, 1], cpu_time=[9] * 4,
    ...                         edges=[(1, 2), (1, 3), (2, 4), (3, 4)])
    >>> pipedream_split(w, Cluster(2)).value   # the diamond is one biconnected block
    6.0
    """
    from .dp import dp_split
    from .linear import dp_linear_split
    started = time.perf_counter()
    w = workload
    units = contract(w)
    n = units.num_units
    # graph inputs that cost nothing (e.g. a mask read by every layer) would tie the whole graph together
    free_source = (units.a + units.p == 0) & (np.bincount(units.dst, minlength=n) == 0)
    keep = ~free_source[units.src]
    group = biconnected_blocks(n, units.src[keep], units.dst[keep])[units.unit_of]
    # colocate each contracted group (keeping the classes it joins together)
    chain = replace(w, color=group, names=list(w.names))
    try:
        sol = dp_split(chain, cluster)
    except PipesplitError:
        sol = dp_linear_split(chain, cluster)
    out = _solution(w, cluster, sol.placement.device, "pipedream", started,
                    {"blocks": int(group.max()) + 1 if len(group) else 0})
    return out


# ---------------------------------------------------------------------------------------- metis
@dataclass(frozen=True)
class MetisOptions:
    """``seed`` of METIS and ``ncuts``: partitions tried, the best cut kept."""

    seed: int = 0
    ncuts: int = 8


def metis_split(workload: Workload, cluster: Cluster, *, options: MetisOptions = MetisOptions(),
                progress: bool = False) -> Solution:
    """A METIS partition of the colocation classes into one part per accelerator."""
    try:
        import pymetis
    except ImportError:
        raise PipesplitError("the metis method needs pymetis: pip install 'pipesplit[metis]'")
    started = time.perf_counter()
    w, K = workload, cluster.accelerators
    cls = w.class_of
    m = int(cls.max()) + 1
    device = np.zeros(w.num_nodes, np.int64)
    bad_cls = np.zeros(m, bool)
    bad_cls[cls[~w.acc_ok]] = True
    if bad_cls.any():
        device[bad_cls[cls]] = _cpu_or_fail(cluster, f"node {w.label(int(np.flatnonzero(~w.acc_ok)[0]))}")
    if K == 0:
        device[:] = _cpu_or_fail(cluster, "the workload")
        return _solution(w, cluster, device, "metis", started)
    cs, cd = cls[w.src], cls[w.dst]
    keep = (cs != cd) & ~bad_cls[cs] & ~bad_cls[cd]
    weight = w.out_cost[w.src[keep]]
    a, b = np.minimum(cs[keep], cd[keep]), np.maximum(cs[keep], cd[keep])
    key, inv = np.unique(a * m + b, return_inverse=True)
    ew = np.bincount(inv, weights=weight)
    ea, eb = key // m, key % m
    vw = np.bincount(cls, weights=w.acc_time, minlength=m)
    scale = 1e4 / max(vw.max(), ew.max() if len(ew) else 0.0, 1e-12)
    vwi = np.maximum(1, np.rint(vw * scale)).astype(np.int64)
    ewi = np.maximum(1, np.rint(ew * scale)).astype(np.int64)
    xs = np.concatenate([ea, eb])
    xd = np.concatenate([eb, ea])
    xw = np.concatenate([ewi, ewi])
    order = np.argsort(xs, kind="stable")
    xadj = np.zeros(m + 1, np.int64)
    np.cumsum(np.bincount(xs, minlength=m), out=xadj[1:])
    if K == 1:
        part = np.zeros(m, np.int64)
    else:
        opts = pymetis.Options(seed=options.seed, ncuts=options.ncuts)
        graph = pymetis.CSRAdjacency(xadj.tolist(), xd[order].tolist())
        _, part = pymetis.part_graph(K, graph, vweights=vwi.tolist(), eweights=xw[order].tolist(), options=opts)
        part = np.asarray(part, np.int64)
    device = np.where(bad_cls[cls], device, part[cls])
    return _solution(w, cluster, device, "metis", started)


# ---------------------------------------------------------------------------------------- local search
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
        raise PipesplitError("a node or colocated group fits no accelerator and the cluster has no CPU cores; add --cpus")
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
    return _solution(w, cluster, best, "local-search", started, {"restarts": options.restarts, "moves": total_moves})


# ---------------------------------------------------------------------------------------- trivial and given
def one_accelerator_split(workload: Workload, cluster: Cluster, *, options=None, progress: bool = False) -> Solution:
    """Everything on accelerator 0 (nodes it cannot run on CPU core 0); memory may be exceeded."""
    started = time.perf_counter()
    w = workload
    if cluster.accelerators == 0:
        device = np.full(w.num_nodes, _cpu_or_fail(cluster, "the workload"), np.int64)
    else:
        device = np.zeros(w.num_nodes, np.int64)
        if (~w.acc_ok).any():
            bad_cls = np.zeros(int(w.class_of.max()) + 1, bool)
            bad_cls[w.class_of[~w.acc_ok]] = True
            device[bad_cls[w.class_of]] = _cpu_or_fail(cluster, f"node {w.label(int(np.flatnonzero(~w.acc_ok)[0]))}")
    return _solution(w, cluster, device, "one-accelerator", started)


@dataclass(frozen=True)
class ExpertOptions:
    """``path``: the split file (the paper's output format or the native one)."""

    path: str | None = None


def expert_split(workload: Workload, cluster: Cluster, *, options: ExpertOptions = ExpertOptions(),
                 progress: bool = False) -> Solution:
    """A split given as a file, evaluated as it is."""
    from ..formats import load_split
    if not options.path:
        raise PipesplitError("the expert method needs a split file: give --expert SPLIT.json")
    started = time.perf_counter()
    placement = load_split(options.path, workload)
    K, L = cluster.accelerators, cluster.cpus
    if placement.accelerators != K or placement.cpus != L:
        # renumber onto the cluster's devices; devices beyond it stay visible as violations
        pa, dev = placement.accelerators, placement.device
        K2, L2 = max(K, pa), max(L, placement.cpus)
        placement = Placement(np.where(dev < pa, dev, K2 + dev - pa), accelerators=K2, cpus=L2)
    evaluation = evaluate(workload, cluster, placement)
    return Solution(placement=placement, evaluation=evaluation, method="expert", value=evaluation.max_load,
                    optimal=False, seconds=time.perf_counter() - started, stats={"file": options.path})
