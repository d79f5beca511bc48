"""Throughput integer programs on HiGHS: the best contiguous or non-contiguous split.

One binary per unit (colocation class) and device, the memory knapsack per accelerator, nodes that
may not run on accelerators, and transfers in and out per original node and device exactly as in
the cost model (``placement.evaluate``); the objective is the max load, or optionally max forward
load + max backward load (the paper's appendix).

Contiguous splits. The DP and ``evaluate(contiguous=True)`` mean a *chain* of ideals: the devices
can be ordered so that every prefix of devices holds an ideal (a predecessor-closed set). The model
uses that path-closure form directly: slot t of the chain has a binary ``X[u, t]`` = "unit u is in
slots 0..t", monotone in t and closed under predecessors (``X[v, t] <= X[u, t]`` for every unit edge
u -> v); unit u is on slot t when ``X[u, t] - X[u, t-1] = 1``, and a binary per slot says whether it
is an accelerator or a CPU core. Per-device path closure alone (the paper's form) would also admit
splits whose devices feed each other in a cycle, which no pipeline can run; ordering the slots
excludes them and also breaks the symmetry between identical accelerators.

Non-contiguous splits. One binary per unit and device; identical devices are told apart by the
standard representative rule: unit j may go on accelerator d > 0 only if a unit before j is on
accelerator d - 1 (units sorted heaviest first), and the same for CPU cores.

Both are warm-started from the dynamic program's split (the non-contiguous one from local search
when that is better), stop at ``time_limit`` or a relative ``gap`` and return the best split found
with the proven lower bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...graph import topological_sort, unique_pairs
from ...placement import Placement, evaluate
from ...workload import Workload
from ..dp.contract import Units, build_units, contract
from ..dp.exact import memory_may_bind
from ..dp.table import check_basic_feasibility, work_measure
from ..result import Solution
from .model import MipModel, certify, solve_mip


@dataclass(frozen=True)
class IPOptions:
    """``time_limit`` seconds and relative ``gap`` at which HiGHS stops; ``objective`` is ``"max"``
    (max load) or ``"fwd+bwd"`` (max forward load + max backward load); ``warm_start`` runs the
    dynamic program first and hands its split to HiGHS; ``max_placements``: the most (unit, device)
    binaries a program may have (beyond that HiGHS needs more than a few GiB: refused at once)."""

    time_limit: float = 300.0
    gap: float = 1e-4
    objective: str = "max"
    warm_start: bool = True
    threads: int | None = None
    max_placements: int = 200_000

    def __post_init__(self) -> None:
        if self.objective not in ("max", "fwd+bwd"):
            raise PipesplitError(f"unknown objective '{self.objective}'; use 'max' or 'fwd+bwd'")
        if not self.time_limit > 0:
            raise PipesplitError(f"the time limit must be positive, got {self.time_limit}")
        if not 0 <= self.gap < 1:
            raise PipesplitError(f"the gap must be in [0, 1), got {self.gap}")


# ---------------------------------------------------------------------------------------- data
def class_units(w: Workload) -> Units:
    """One unit per colocation class (no fusion): what a non-contiguous split may separate."""
    order = np.argsort(np.bincount(w.class_of, weights=-(w.acc_time + w.cpu_time)), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))  # heaviest class first
    e = np.empty(0, np.int64)
    return build_units(w.num_nodes, rank[w.class_of], e, e, (w.acc_time, w.cpu_time, w.memory,
                                                         (~w.acc_ok).astype(np.float64)))


@dataclass
class Senders:
    """Transfer terms: sender s (original nodes with equal unit, successor units and direction,
    costs summed) lives in ``unit[s]`` and sends to the units ``pair_unit`` where ``pair_s == s``."""

    unit: np.ndarray
    cost: np.ndarray
    backward: np.ndarray
    pair_s: np.ndarray
    pair_unit: np.ndarray


def senders_of(w: Workload, unit_of: np.ndarray) -> Senders:
    """Group the nodes whose output may cross a device boundary (cost > 0, a successor in another unit)."""
    us, ud = unit_of[w.src], unit_of[w.dst]
    keep = (us != ud) & (w.out_cost[w.src] > 0)
    pairs = unique_pairs(w.src[keep], ud[keep])
    groups: dict[tuple, int] = {}
    s_unit, s_cost, s_bwd, pair_s, pair_unit = [], [], [], [], []
    nodes, starts = np.unique(pairs[0], return_index=True)
    ends = np.append(starts[1:], pairs.shape[1])
    for u, a, b in zip(nodes.tolist(), starts.tolist(), ends.tolist()):
        key = (int(unit_of[u]), bool(w.backward[u]), tuple(pairs[1, a:b].tolist()))
        s = groups.get(key)
        if s is None:
            s = groups[key] = len(s_unit)
            s_unit.append(key[0])
            s_cost.append(0.0)
            s_bwd.append(key[1])
            pair_s.extend([s] * (b - a))
            pair_unit.extend(key[2])
        s_cost[s] += float(w.out_cost[u])
    return Senders(np.asarray(s_unit, np.int64), np.asarray(s_cost), np.asarray(s_bwd, bool),
                   np.asarray(pair_s, np.int64), np.asarray(pair_unit, np.int64))


# ---------------------------------------------------------------------------------------- model
@dataclass
class ThroughputModel:
    """The model and its column indices: ``x[u, d]`` unit on device/slot, ``X`` prefix binaries
    (contiguous), ``tau[d]`` slot is an accelerator (contiguous with CPUs and accelerators),
    ``T`` the objective column(s)."""

    model: MipModel
    x: np.ndarray
    X: np.ndarray | None
    tau: np.ndarray | None
    can_acc: np.ndarray
    T: np.ndarray


DENSE_CLOSURE_UNITS = 2000  # exact ancestor sums up to this many units (a dense n x n matrix), a bound above


def closure_work(wt: np.ndarray, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each unit, the work of it with its ancestors and with its descendants (units numbered
    topologically, src < dst): exact on graphs up to ``DENSE_CLOSURE_UNITS`` units (bit sets), else
    the heaviest path through it, a lower bound that keeps time and memory linear."""
    n = len(wt)
    order = np.argsort(src, kind="stable")
    if n <= DENSE_CLOSURE_UNITS:
        reach = np.eye(n, dtype=bool)
        for u, v in zip(src[order][::-1].tolist(), dst[order][::-1].tolist()):
            reach[u] |= reach[v]  # reach[u]: u and its descendants (src processed from the last unit back)
        return wt @ reach.astype(np.float64), reach.astype(np.float64) @ wt
    anc = wt.astype(np.float64).copy()
    for u, v in zip(src[order].tolist(), dst[order].tolist()):
        anc[v] = max(anc[v], anc[u] + wt[v])
    desc = wt.astype(np.float64).copy()
    for u, v in zip(src[order][::-1].tolist(), dst[order][::-1].tolist()):
        desc[u] = max(desc[u], desc[v] + wt[u])
    return anc, desc


def slot_windows(a: np.ndarray, p: np.ndarray, bad: np.ndarray, src: np.ndarray, dst: np.ndarray,
                 accelerators: int, cpus: int, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """First and last chain slot each unit can take in a contiguous split with max load <= ``cutoff``.

    With wt(u) = min(a(u), theta * p(u)) (theta * p(u) alone where u cannot run on an accelerator),
    an accelerator holds at most cutoff of wt and a CPU core theta * cutoff, so slots 0..t hold at most
    the t + 1 largest of these capacities (for any theta: accelerators may be slower than cores), and
    they must hold u with all its ancestors; symmetrically the slots from t on must hold its descendants.
    Units are numbered topologically (src < dst)."""
    K, L = accelerators, cpus
    wt, theta = work_measure(a, p, bad, L)
    w_anc, w_desc = closure_work(wt, src, dst)
    D = K + L
    # t + 1 slots hold at most the t + 1 largest per-device capacities: cutoff on an accelerator,
    # theta * cutoff on a core (whichever kind is larger comes first: accelerators may be the slower)
    per_slot = np.sort(np.concatenate([np.ones(K), np.full(L, theta)]))[::-1]
    cap = np.cumsum(per_slot) * cutoff * (1 + 1e-9)
    lo = np.searchsorted(cap, w_anc - 1e-12 * (1 + w_anc))  # slots 0..t hold w_anc: t + 1 >= first count
    hi = D - 1 - np.searchsorted(cap, w_desc - 1e-12 * (1 + w_desc))
    return lo.astype(np.int64), hi.astype(np.int64)


def build_throughput_ip(a: np.ndarray, p: np.ndarray, mem: np.ndarray, bad: np.ndarray, senders: Senders,
                        accelerators: int, cpus: int, memory: float,
                        edges: tuple[np.ndarray, np.ndarray] | None, split_objective: bool = False,
                        cutoff: float = math.inf) -> ThroughputModel:
    """The throughput program over units. ``a`` and ``p`` have shape (2, units): forward and
    backward accelerator / CPU time of each unit. ``edges`` (unit DAG) makes it contiguous; None
    leaves it non-contiguous. ``split_objective`` minimizes max forward + max backward load."""
    n = a.shape[1]
    K, L = accelerators, cpus
    D = K + L
    m = MipModel()
    contiguous = edges is not None
    X = tau = None
    if contiguous:
        x = m.add_vars((n, D), 0.0, 1.0)
        X = m.add_vars((n, D - 1), 0.0, 1.0, integer=True)
        # x[:, t] = X[:, t] - X[:, t-1]  with X[:, -1] = 0 and X[:, D-1] = 1
        for t in range(D):
            cols = [x[:, t]]
            vals = [1.0]
            if t < D - 1:
                cols.append(X[:, t])
                vals.append(-1.0)
            if t > 0:
                cols.append(X[:, t - 1])
                vals.append(1.0)
            rhs = 1.0 if t == D - 1 else 0.0
            m.add_dense_rows(np.stack(cols, axis=1), np.array(vals), lo=rhs, hi=rhs)
        if D > 2:
            m.add_dense_rows(np.stack([X[:, :-1].ravel(), X[:, 1:].ravel()], 1), [1.0, -1.0], hi=0.0)
        src, dst = edges
        if math.isfinite(cutoff) and D > 1 and not split_objective:
            lo, hi = slot_windows(a.sum(0), p.sum(0), bad, src, dst, K, L, cutoff)
            for t in range(D - 1):
                m.set_ub(X[lo > t, t], 0.0)  # u is not yet in slots 0..t
                m.set_lb(X[hi <= t, t], 1.0)
        if len(src) and D > 1:
            m.add_dense_rows(np.stack([X[dst].ravel(), X[src].ravel()], 1), [1.0, -1.0], hi=0.0)
        if D > 1:  # symmetry: the non-empty slots come first (an empty slot can always move to the end)
            e = m.add_vars(D, 0.0, 1.0, integer=True)
            m.add_dense_rows(np.stack([x.ravel(), np.broadcast_to(e, (n, D)).ravel()], 1), [1.0, -1.0], hi=0.0)
            m.add_dense_rows(np.stack([e[1:], e[:-1]], 1), [1.0, -1.0], hi=0.0)
            m.add_rows(np.repeat(np.arange(D), n + 1), np.concatenate([np.append(x[:, t], e[t]) for t in range(D)]),
                       np.tile(np.append(np.ones(n), -1.0), D), lo=0.0)
        can_acc = np.full(D, K > 0)
        can_cpu = np.full(D, L > 0)
        if K and L:
            tau = m.add_vars(D, 0.0, 1.0, integer=True)
            m.add_rows(np.zeros(D), tau, 1.0, lo=K, hi=K)
            xa = m.add_vars((n, D), 0.0, 1.0)
            m.add_dense_rows(np.stack([xa.ravel(), x.ravel()], 1), [1.0, -1.0], hi=0.0)
            m.add_dense_rows(np.stack([xa.ravel(), np.broadcast_to(tau, (n, D)).ravel()], 1), [1.0, -1.0], hi=0.0)
            m.add_dense_rows(np.stack([xa.ravel(), x.ravel(), np.broadcast_to(tau, (n, D)).ravel()], 1),
                             [1.0, -1.0, -1.0], lo=-1.0)
        else:
            xa = x if K else None
    else:
        x = m.add_vars((n, D), 0.0, 1.0, integer=True)
        m.add_dense_rows(x, 1.0, lo=1.0, hi=1.0)
        can_acc = np.arange(D) < K
        can_cpu = ~can_acc
        xa = np.where(can_acc[None, :], x, -1)
        # representatives: unit j on device d (> first of its kind) only if a unit before j is on d - 1
        for first, count in ((0, K), (K, L)):
            if count < 2:
                continue
            cs = m.add_vars((n, count - 1), 0.0, math.inf)  # cs[j, e] = sum_{i <= j} x[i, first + e]
            m.add_dense_rows(np.stack([cs[0], x[0, first:first + count - 1]], 1), [1.0, -1.0], lo=0.0, hi=0.0)
            if n > 1:
                m.add_dense_rows(np.stack([cs[1:].ravel(), cs[:-1].ravel(), x[1:, first:first + count - 1].ravel()], 1),
                                 [1.0, -1.0, -1.0], lo=0.0, hi=0.0)
                m.add_dense_rows(np.stack([x[1:, first + 1:first + count].ravel(), cs[:-1].ravel()], 1),
                                 [1.0, -1.0], hi=0.0)
            m.set_ub(x[0, first + 1:first + count], 0.0)
    acc_dev = np.flatnonzero(can_acc)

    # forbidden and memory
    if len(acc_dev):
        badu = np.flatnonzero(bad > 0)
        if len(badu):
            m.set_ub(xa[np.ix_(badu, acc_dev)], 0.0)
        if math.isfinite(memory) and mem.sum() > memory:  # rows scaled to capacity 1
            heavy = np.flatnonzero(mem > 0)
            for d in acc_dev:
                m.add_rows(np.zeros(len(heavy)), xa[heavy, d], mem[heavy] / memory, hi=1.0)

    # transfers
    S = len(senders.unit)
    Da = len(acc_dev)
    cin = cout = None
    if S and Da:
        cin = m.add_vars((S, Da), 0.0, math.inf)
        cout = m.add_vars((S, Da), 0.0, math.inf)
        ps, pz = senders.pair_s, senders.pair_unit
        su = senders.unit[ps]
        for j, d in enumerate(acc_dev):
            # in[s] >= xa[z] - x[unit(s)];  out[s] >= xa[unit(s)] - x[z]
            m.add_dense_rows(np.stack([cin[ps, j], xa[pz, d], x[su, d]], 1), [1.0, -1.0, 1.0], lo=0.0)
            m.add_dense_rows(np.stack([cout[ps, j], xa[su, d], x[pz, d]], 1), [1.0, -1.0, 1.0], lo=0.0)

    # loads
    T = m.add_vars(2 if split_objective else 1, 0.0, math.inf)
    for part in range(len(T)):
        if split_objective:
            ap, pp = a[part], p[part]
            smask = senders.backward == bool(part)
        else:
            ap, pp = a.sum(0), p.sum(0)
            smask = np.ones(S, bool)
        for d in range(D):
            cols, vals = [T[part]], [1.0]
            if can_cpu[d]:
                cols.append(x[:, d])
                vals.append(-pp)
                if can_acc[d]:
                    cols.append(xa[:, d])
                    vals.append(-(ap - pp))
            else:
                cols.append(x[:, d])
                vals.append(-ap)
            if can_acc[d] and cin is not None:
                j = int(np.searchsorted(acc_dev, d))
                cols += [cin[smask, j], cout[smask, j]]
                vals += [-senders.cost[smask]] * 2
            c = np.concatenate([np.atleast_1d(np.asarray(cc)) for cc in cols])
            v = np.concatenate([np.broadcast_to(np.asarray(vv, float), np.atleast_1d(np.asarray(cc)).shape)
                                for cc, vv in zip(cols, vals)])
            m.add_rows(np.zeros(len(c)), c, v, lo=0.0)
    m.cost[T] = 1.0
    return ThroughputModel(model=m, x=x, X=X, tau=tau, can_acc=can_acc, T=T)


# ---------------------------------------------------------------------------------------- glue
def check_program_size(units: int, slots: int, options: IPOptions) -> None:
    """Refuse, in one line, a program with more (unit, device) binaries than ``options.max_placements``."""
    if units * slots > options.max_placements:
        raise PipesplitError(f"the integer program would place {units:,} units on {slots} devices "
                             f"({units * slots:,} binaries, over the limit of {options.max_placements:,}, beyond "
                             "which HiGHS needs more memory than a workstation has); use {method}=dp or dp-linear")


def _chain_order(units: Units, unit_dev: np.ndarray, num_dev: int) -> np.ndarray | None:
    """An order of devices along which the units' prefixes are ideals (None if the split has a cycle)."""
    u, v = unit_dev[units.src], unit_dev[units.dst]
    keep = u != v
    pairs = unique_pairs(u[keep], v[keep])
    order = topological_sort(num_dev, pairs[0], pairs[1])
    if order is None:
        return None
    used = np.zeros(num_dev, bool)
    used[unit_dev] = True
    return np.concatenate([order[used[order]], order[~used[order]]])


def _start_values(tm: ThroughputModel, units: Units, placement: Placement, K: int, L: int) -> dict[int, float] | None:
    """Integer columns of the model for a given placement (None if it does not fit the model)."""
    dev = placement.device[units.nodes[units.ptr[:-1]]]  # a member's device per unit
    n, D = tm.x.shape
    start: dict[int, float] = {}
    if tm.X is not None:
        order = _chain_order(units, dev, placement.num_devices)
        if order is None:
            return None
        slot_of = np.empty(placement.num_devices, np.int64)
        slot_of[order] = np.arange(len(order))
        is_acc = order < placement.accelerators
        # fill the D slots: the used devices in chain order, then spare slots of the missing kinds
        kinds = list(is_acc[:len(order)])
        if len(kinds) > D:
            return None
        spare_acc = K - int(sum(kinds))
        kinds += [True] * max(spare_acc, 0) + [False] * (D - len(kinds) - max(spare_acc, 0))
        if sum(kinds) != K or len(kinds) != D:
            return None
        slot = slot_of[dev]
        for t in range(D - 1):
            for u in range(n):
                start[int(tm.X[u, t])] = float(slot[u] <= t)
        if tm.tau is not None:
            for t in range(D):
                start[int(tm.tau[t])] = float(kinds[t])
    else:
        # renumber devices of each kind by their first (heaviest) unit
        new = np.full(placement.num_devices, -1)
        nxt = {True: 0, False: K}
        for u in range(n):
            d = int(dev[u])
            if new[d] < 0:
                acc = d < placement.accelerators
                new[d] = nxt[acc]
                nxt[acc] += 1
        nd = new[dev]
        for u in range(n):
            for d in range(D):
                start[int(tm.x[u, d])] = float(nd[u] == d)
    return start


def _placement_from_values(tm: ThroughputModel, values: np.ndarray, w: Workload, units: Units,
                           cluster: Cluster) -> Placement:
    K = cluster.accelerators
    xv = values[tm.x]
    slot = np.argmax(xv, axis=1)
    D = xv.shape[1]
    if tm.tau is not None:
        is_acc = values[tm.tau] > 0.5
    else:
        is_acc = tm.can_acc.copy()
    dev_of_slot = np.empty(D, np.int64)
    acc = cpu = 0
    for t in range(D):
        if is_acc[t]:
            dev_of_slot[t] = acc
            acc += 1
        else:
            dev_of_slot[t] = K + cpu
            cpu += 1
    return Placement(dev_of_slot[slot][units.unit_of], accelerators=K, cpus=cluster.cpus)


def split_objective_value(w: Workload, cluster: Cluster, placement: Placement) -> float:
    """Max forward load + max backward load (transfers count with the direction of their sender)."""
    total = 0.0
    for part in (False, True):
        mask = w.backward == part
        side = replace(w, acc_time=np.where(mask, w.acc_time, 0.0), cpu_time=np.where(mask, w.cpu_time, 0.0),
                       out_cost=np.where(mask, w.out_cost, 0.0), names=list(w.names))
        total += evaluate(side, cluster, placement).max_load
    return total


def _warm_placement(w: Workload, cluster: Cluster) -> tuple[Placement | None, str]:
    from ..dp.exact import dp_split
    from ..dp.linear import dp_linear_split
    for name, fn in (("dp", dp_split), ("dp-linear", dp_linear_split)):
        try:
            return fn(w, cluster).placement, name
        except PipesplitError:
            continue
    return None, ""


def ip_throughput(workload: Workload, cluster: Cluster, contiguous: bool, options: IPOptions = IPOptions(),
                  progress: bool = False, warm: Placement | None = None) -> Solution:
    """Solve the contiguous or non-contiguous throughput program (see the module docstring)."""
    start_time = time.perf_counter()
    w = workload
    units = contract(w, keep_memory=memory_may_bind(w, cluster)) if contiguous else class_units(w)
    check_basic_feasibility(w, cluster, units)
    check_program_size(units.num_units, cluster.accelerators + cluster.cpus, options)
    split = options.objective == "fwd+bwd"
    fb = np.stack([~w.backward, w.backward]).astype(np.float64)
    a = np.stack([np.bincount(units.unit_of, weights=w.acc_time * f, minlength=units.num_units) for f in fb])
    p = np.stack([np.bincount(units.unit_of, weights=w.cpu_time * f, minlength=units.num_units) for f in fb])
    senders = senders_of(w, units.unit_of)
    edges = (units.src, units.dst) if contiguous else None
    warm_source = "given"
    if warm is None and options.warm_start:
        warm, warm_source = _warm_placement(w, cluster)
        if not contiguous:  # local search often beats every contiguous split: a better incumbent prunes more
            from ..heuristics.local_search import local_search_split
            try:
                ls = local_search_split(w, cluster)
                if warm is None or (ls.evaluation.feasible and ls.value < evaluate(w, cluster, warm).max_load):
                    warm, warm_source = ls.placement, "local-search"
            except PipesplitError:
                pass
    cutoff = evaluate(w, cluster, warm).max_load if warm is not None else math.inf
    tm = build_throughput_ip(a, p, units.mem, units.bad, senders, cluster.accelerators, cluster.cpus,
                             cluster.memory, edges, split, cutoff)
    start = _start_values(tm, units, warm, cluster.accelerators, cluster.cpus) if warm is not None else None
    elapsed = time.perf_counter() - start_time
    res = solve_mip(tm.model, time_limit=max(1.0, options.time_limit - elapsed), gap=options.gap, start=start,
                    threads=options.threads)

    def score(pl: Placement) -> float:
        return split_objective_value(w, cluster, pl) if split else evaluate(w, cluster, pl).max_load

    placement = None
    fell_back = False
    if res.values is not None:
        placement = _placement_from_values(tm, res.values, w, units, cluster)
    if warm is not None and (placement is None or score(warm) < score(placement) - 1e-9 * max(1.0, score(warm))):
        if evaluate(w, cluster, warm, contiguous=contiguous).feasible:
            placement, fell_back = warm, res.values is not None
    if placement is None:
        if res.status == "infeasible":
            kind = "contiguous " if contiguous else ""
            raise PipesplitError(f"no {kind}split fits {cluster.accelerators} accelerators with {cluster.memory:.6g} "
                                 f"bytes each and {cluster.cpus} CPU cores (memory, devices or accelerator-only "
                                 "nodes bind); add devices or memory")
        raise PipesplitError(f"HiGHS found no split within {options.time_limit:g} s ({res.status}); "
                             "raise {time_limit}")
    evaluation = evaluate(w, cluster, placement, contiguous=contiguous)
    value = score(placement)
    optimal, bound, gap, proof = certify(res, value, options.gap, fell_back)
    stats = {"status": res.status, "bound": bound, "gap": gap, "units": units.num_units,
             "columns": tm.model.num_cols, "rows": tm.model.num_rows, "nodes": res.nodes,
             "warm_start": warm_source or None, "objective": options.objective}
    if res.fault or (fell_back and not optimal):
        stats["warning"] = res.fault or "HiGHS's answer was worse than its warm start, which is returned unproven"
    if split:
        stats["max_load"] = evaluation.max_load
    if proof:
        proof += " over all " + ("contiguous splits" if contiguous else "splits")
    return Solution(placement=placement, evaluation=evaluation, method="ip" if contiguous else "ip-noncontig",
                    value=value, optimal=optimal, seconds=time.perf_counter() - start_time, stats=stats, proof=proof)


def ip_split(workload: Workload, cluster: Cluster, *, options: IPOptions = IPOptions(),
             progress: bool = False) -> Solution:
    """The optimal contiguous split by integer programming (proven when ``optimal``; else see
    ``stats['gap']`` and ``stats['bound']``).

    >>> w = Workload.from_lists(ids=[1, 2, 3], acc_time=[2, 3, 2], cpu_time=[20, 30, 20],
    ...                         edges=[(1, 2), (1, 3)], out_cost={1: 1.0})
    >>> s = ip_split(w, Cluster(2))
    >>> s.value, s.optimal
    (5.0, True)
    """
    return ip_throughput(workload, cluster, True, options, progress)


def ip_noncontig_split(workload: Workload, cluster: Cluster, *, options: IPOptions = IPOptions(),
                       progress: bool = False) -> Solution:
    """The optimal split without the contiguity requirement, by integer programming.

    >>> w = Workload.from_lists(ids=[1, 2, 3], acc_time=[2, 3, 2], cpu_time=[20, 30, 20],
    ...                         edges=[(1, 2), (2, 3)])
    >>> ip_noncontig_split(w, Cluster(2)).value
    4.0
    """
    return ip_throughput(workload, cluster, False, options, progress)
