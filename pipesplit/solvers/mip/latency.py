"""The latency integer program (the paper's, on HiGHS): the split with the least single-sample latency.

Units (colocation classes, strongly connected ones fused) go on one of q calls of an accelerator or
on the CPU. Every call is convex (path-closure: an ideal ``z`` containing the call that no edge
leaves the call into), its start is at least the finish time of every node outside it that feeds it,
it lasts its accelerator time plus its transfers in and out (once per sending node), and the calls
of one accelerator run in order. A CPU node finishes its CPU time after its latest input; a node in
a call finishes when the call ends. Memory is per accelerator, over all its calls. The big-M
constants are the warm start's latency, which also bounds the objective; a path bound without
big-M (along any path: accelerator or CPU time per node, and the sender's cost per call boundary
crossed) tightens the relaxation. When the program is stopped unproven, single moves polish its split.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...graph import unique_pairs
from ...latency import evaluate_latency
from ...placement import Placement
from ...workload import Workload
from ..dp.contract import contract
from ..heuristics.latency import (
    chain_latency_split,
    dp_latency_split,
    greedy_latency_split,
    polish_latency,
)
from ..result import LatencyOptions, Solution, latency_solution
from .model import MipModel, certify, solve_mip
from .throughput import IPOptions, check_program_size, senders_of


def build_latency_ip(a: np.ndarray, p_node: np.ndarray, unit_of: np.ndarray, mem: np.ndarray, bad: np.ndarray,
                     unit_src: np.ndarray, unit_dst: np.ndarray, node_src: np.ndarray, node_dst: np.ndarray,
                     senders, accelerators: int, calls: int, memory: float, cpu_allowed: bool, big_m: float,
                     a_node: np.ndarray, node_cost: np.ndarray):
    """The latency program. ``a``, ``mem``, ``bad`` per unit; ``p_node``, ``a_node`` (CPU and
    accelerator time), ``node_cost`` (output transfer cost) and ``unit_of`` per original node; unit and
    node edges. Returns (model, x[unit, call], T column)."""
    n = len(a)
    N = len(p_node)
    K, q = accelerators, calls
    G = K * q
    m = MipModel()
    x = m.add_vars((n, G), 0.0, 1.0, integer=True)
    if cpu_allowed:
        m.add_dense_rows(x, 1.0, hi=1.0)
    else:
        m.add_dense_rows(x, 1.0, lo=1.0, hi=1.0)
    badu = np.flatnonzero(bad > 0)
    if len(badu) and G:
        m.set_ub(x[badu], 0.0)
    if math.isfinite(memory) and mem.sum() > memory and G:
        m.set_ub(x[np.flatnonzero(mem > memory)], 0.0)  # fits on no accelerator (memory 0 included)
        heavy = np.flatnonzero((mem > 0) & (mem <= memory))
        for d in range(K):
            cols = x[heavy][:, d * q:(d + 1) * q].ravel()
            m.add_rows(np.zeros(len(cols)), cols, np.repeat(mem[heavy] / memory, q), hi=1.0)
    # convex calls
    if len(unit_src) and G:
        z = m.add_vars((n, G), 0.0, 1.0)
        m.add_dense_rows(np.stack([z.ravel(), x.ravel()], 1), [1.0, -1.0], lo=0.0)
        m.add_dense_rows(np.stack([z[unit_dst].ravel(), z[unit_src].ravel()], 1), [1.0, -1.0], hi=0.0)
        m.add_dense_rows(np.stack([z[unit_dst].ravel(), x[unit_dst].ravel(), x[unit_src].ravel()], 1),
                         [1.0, -1.0, 1.0], hi=1.0)
    # transfers per call
    S = len(senders.unit)
    start = m.add_vars(G, 0.0, big_m)
    finish = m.add_vars(G, 0.0, big_m)
    load_cols = [[finish[g], start[g]] + list(x[:, g]) for g in range(G)]
    load_vals = [[1.0, -1.0] + list(-a) for g in range(G)]
    if S and G:
        cin = m.add_vars((S, G), 0.0, math.inf)
        cout = m.add_vars((S, G), 0.0, math.inf)
        ps, pz = senders.pair_s, senders.pair_unit
        su = senders.unit[ps]
        m.add_dense_rows(np.stack([cin[ps].ravel(), x[pz].ravel(), x[su].ravel()], 1), [1.0, -1.0, 1.0], lo=0.0)
        m.add_dense_rows(np.stack([cout[ps].ravel(), x[su].ravel(), x[pz].ravel()], 1), [1.0, -1.0, 1.0], lo=0.0)
        for g in range(G):
            load_cols[g] += list(cin[:, g]) + list(cout[:, g])
            load_vals[g] += list(-senders.cost) * 2
    for g in range(G):
        m.add_rows(np.zeros(len(load_cols[g])), load_cols[g], load_vals[g], lo=0.0, hi=0.0)
    for d in range(K):
        for j in range(q - 1):
            g = d * q + j
            m.add_rows([0, 0], [start[g + 1], finish[g]], [1.0, -1.0], lo=0.0)
    # node finish times
    lat = m.add_vars(N, 0.0, big_m)
    xu = x[unit_of]  # (N, G)
    # CPU time counts when the node's unit is on no call: lat[v] >= lat[u] + p(v) (1 - sum_g x[U(v), g])
    if len(node_src):
        cols = np.concatenate([np.stack([lat[node_dst], lat[node_src]], 1), xu[node_dst]], 1)
        vals = np.concatenate([np.tile([1.0, -1.0], (len(node_src), 1)), np.repeat(p_node[node_dst, None], G, 1)], 1)
        m.add_rows(np.repeat(np.arange(len(node_src)), 2 + G), cols.ravel(), vals.ravel(), lo=p_node[node_dst])
    cols = np.concatenate([lat[:, None], xu], 1)
    vals = np.concatenate([np.ones((N, 1)), np.repeat(p_node[:, None], G, 1)], 1)
    m.add_rows(np.repeat(np.arange(N), 1 + G), cols.ravel(), vals.ravel(), lo=p_node)
    if G:
        # lat[v] >= finish[g] - M (1 - x[U(v), g])
        vv = np.repeat(np.arange(N), G)
        gg = np.tile(np.arange(G), N)
        m.add_dense_rows(np.stack([lat[vv], finish[gg], xu.ravel()], 1), [1.0, -1.0, -big_m], lo=-big_m)
        # start[g] >= lat[u] - M (1 - x[Z, g] + x[U(u), g]) for node u feeding unit Z
        us, uz = unique_pairs(node_src, unit_of[node_dst])
        keep = unit_of[us] != uz
        us, uz = us[keep], uz[keep]
        if len(us):
            P = len(us)
            pp = np.repeat(np.arange(P), G)
            gg = np.tile(np.arange(G), P)
            m.add_dense_rows(np.stack([start[gg], lat[us[pp]], x[uz[pp], gg], x[unit_of[us[pp]], gg]], 1),
                             [1.0, -1.0, -big_m, big_m], lo=-big_m)
    T = m.add_vars(1, 0.0, big_m)
    sinks = np.flatnonzero(np.bincount(node_src, minlength=N) == 0)
    m.add_dense_rows(np.stack([np.full(len(sinks), T[0]), lat[sinks]], 1), [1.0, -1.0], lo=0.0)
    if G:
        # Path bound without big-M: along any path, accelerator nodes take at least their accelerator
        # time, CPU nodes their CPU time, and an edge between different calls at least the sender's
        # cost once per call it leaves or enters (calls along a path run one after the other).
        pi = m.add_vars(N, 0.0, big_m)
        delta = (p_node - a_node)[:, None] * np.ones(G)
        cols = np.concatenate([pi[:, None], xu], 1)
        vals = np.concatenate([np.ones((N, 1)), delta], 1)
        m.add_rows(np.repeat(np.arange(N), 1 + G), cols.ravel(), vals.ravel(), lo=p_node)
        E = len(node_src)
        if E:
            cross = (unit_of[node_src] != unit_of[node_dst]) & (node_cost[node_src] > 0)
            ce = np.flatnonzero(cross)
            dio = m.add_vars((len(ce), 2), 0.0, 1.0)
            if len(ce):
                uu, vv = unit_of[node_src[ce]], unit_of[node_dst[ce]]
                for g in range(G):  # out: u's call is left; in: v's call is entered
                    m.add_dense_rows(np.stack([dio[:, 0], x[uu, g], x[vv, g]], 1), [1.0, -1.0, 1.0], lo=0.0)
                    m.add_dense_rows(np.stack([dio[:, 1], x[vv, g], x[uu, g]], 1), [1.0, -1.0, 1.0], lo=0.0)
            extra_c = np.zeros((E, 2), np.int64)
            extra_v = np.zeros((E, 2))
            extra_c[:] = T[0]  # placeholder column with zero coefficient
            if len(ce):
                extra_c[ce] = dio
                extra_v[ce] = -node_cost[node_src[ce], None]
            cols = np.concatenate([pi[node_dst, None], pi[node_src, None], xu[node_dst], extra_c], 1)
            vals = np.concatenate([np.ones((E, 1)), -np.ones((E, 1)), delta[node_dst], extra_v], 1)
            m.add_rows(np.repeat(np.arange(E), cols.shape[1]), cols.ravel(), vals.ravel(), lo=p_node[node_dst])
        m.add_dense_rows(np.stack([np.full(len(sinks), T[0]), pi[sinks]], 1), [1.0, -1.0], lo=0.0)
    m.cost[T] = 1.0
    return m, x, T


def ip_latency_split(workload: Workload, cluster: Cluster, *, options: IPOptions = IPOptions(),
                     latency: LatencyOptions = LatencyOptions(), progress: bool = False,
                     warm: Solution | None = None) -> Solution:
    """The least-latency split by integer programming, warm-started from the best baseline
    (greedy, the throughput DP's split or the chain heuristic) unless ``warm`` is given.

    >>> w = Workload.from_lists(ids=[1, 2, 3], acc_time=[1, 1, 1], cpu_time=[2, 9, 2],
    ...                         edges=[(1, 2), (2, 3)], out_cost={1: 0.5, 2: 0.5}, memory=[1, 1, 1])
    >>> s = ip_latency_split(w, Cluster(1, memory=1, cpus=1))
    >>> s.value, s.placement.device.tolist()
    (6.0, [1, 0, 1])
    """
    started = time.perf_counter()
    w, K, q = workload, cluster.accelerators, latency.calls_per_accelerator
    baselines = [warm] if warm is not None else []
    if warm is None:
        for fn in (greedy_latency_split, dp_latency_split, chain_latency_split):
            try:
                baselines.append(fn(w, cluster, options=latency))
            except PipesplitError:
                pass
    baselines = [b for b in baselines if b.feasible and math.isfinite(b.value)]
    best = min(baselines, key=lambda b: b.value) if baselines else None
    units = contract(w)
    check_program_size(units.num_units, max(1, cluster.accelerators * latency.calls_per_accelerator), options)
    if best is None:
        ub = float(w.cpu_time.sum() + w.acc_time.sum() + 2 * w.out_cost.sum()) + 1.0
    else:
        ub = best.value * (1 + 1e-9) + 1e-9
    senders = senders_of(w, units.unit_of)
    model, x, T = build_latency_ip(units.a, w.cpu_time, units.unit_of, units.mem, units.bad, units.src, units.dst,
                                   w.src, w.dst, senders, K, q, cluster.memory, cluster.cpus > 0, ub,
                                   w.acc_time, w.out_cost)
    start_vals = None
    if best is not None:
        call_of = np.asarray(best.stats["calls"]) if "calls" in best.stats else \
            evaluate_latency(w, cluster, best.placement).call_of
        dev = best.placement.device
        rep = units.nodes[units.ptr[:-1]]
        if call_of.max(initial=-1) < q:
            start_vals = {}
            for u in range(units.num_units):
                d, j = int(dev[rep[u]]), int(call_of[rep[u]])
                for g in range(K * q):
                    start_vals[int(x[u, g])] = float(d < K and g == d * q + j)
    res = solve_mip(model, time_limit=max(1.0, options.time_limit - (time.perf_counter() - started)),
                    gap=options.gap, start=start_vals, threads=options.threads)
    candidate = None
    if res.values is not None:
        xv = res.values[x] > 0.5
        on = xv.any(axis=1)
        g = np.argmax(xv, axis=1) if xv.shape[1] else np.zeros(len(xv), np.int64)
        unit_dev = np.where(on, g // q, K)
        unit_call = np.where(on, g % q, -1)
        dev, calls = unit_dev[units.unit_of], unit_call[units.unit_of]
        placement = Placement(dev, accelerators=K, cpus=max(cluster.cpus, 1))
        candidate = latency_solution(w, cluster, placement, "ip-latency", False, started,
                                     calls=calls if q > 1 else None, max_calls=q)
        if not candidate.feasible:
            candidate = None
    fell_back = candidate is not None and best is not None and best.value < candidate.value - 1e-9 * max(1.0, best.value)
    if candidate is None or fell_back:
        if best is None:
            if res.status == "infeasible":
                raise PipesplitError("no split fits the accelerators' memory with the nodes that must run on "
                                     "accelerators; add accelerators, memory or {cpus}")
            raise PipesplitError(f"HiGHS found no split within {options.time_limit:g} s ({res.status}); "
                                 "raise {time_limit}")
        calls = np.asarray(best.stats["calls"]) if "calls" in best.stats else None
        candidate = latency_solution(w, cluster, best.placement, "ip-latency", False, started, calls=calls, max_calls=q)
    if res.status != "optimal" and q == 1:  # not proven: try single moves from the best split found
        polished = polish_latency(w, cluster, candidate.placement, q, time_limit=min(60.0, 0.2 * options.time_limit))
        better = latency_solution(w, cluster, polished, "ip-latency", False, started, max_calls=q)
        if better.feasible and better.value < candidate.value:
            candidate = better
    value = candidate.value
    candidate.optimal, bound, gap, proof = certify(res, value, options.gap, fell_back)
    candidate.proof = proof + " over all splits (latency)" if proof else ""
    if res.fault or (fell_back and not candidate.optimal):
        candidate.stats["warning"] = res.fault or "HiGHS's answer was worse than its warm start, returned unproven"
    candidate.stats.update(status=res.status, bound=bound, gap=gap, units=units.num_units, columns=model.num_cols,
                           rows=model.num_rows, nodes=res.nodes, calls_per_accelerator=q,
                           warm_start=best.method if best is not None else None,
                           warm_value=best.value if best is not None else None)
    candidate.seconds = time.perf_counter() - started
    return candidate
