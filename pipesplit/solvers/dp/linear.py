"""The linearized dynamic program: fix a topological order, so the ideals are its n+1 prefixes.

Adding a Hamiltonian path (a DFS-based topological order of the units) to the DAG leaves only the
prefixes as ideals; the DP over them is exact for that order and runs in time about n times the
length of a device's segment, memory linear in the graph. Several orders are tried and the best kept.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ...cluster import Cluster
from ...placement import evaluate
from ...progress import progress_bar
from ...workload import Workload
from ..result import Solution
from . import kernels
from .contract import Units, contract
from .table import (
    DPTable,
    check_basic_feasibility,
    graph_arrays,
    infeasible,
    placement_from_groups,
    scratch_arrays,
    unit_arrays,
)


@dataclass(frozen=True)
class LinearOptions:
    """``orders``: how many topological orders to try (None: 24 for graphs up to 1,000 units, 8 up to
    5,000, 3 up to 20,000, else 1)."""

    orders: int | None = None
    seed: int = 0


def dfs_orders(units: Units, count: int, seed: int = 0, ids: np.ndarray | None = None) -> list[np.ndarray]:
    """Up to ``count`` distinct DFS-based topological orders of the unit DAG: reverse DFS post-orders
    with children taken by unit number, by the smallest node id in the unit (as given in the input),
    both reversed, heaviest first, then at random. The first is the plain one by unit number."""
    n = units.num_units
    rng = np.random.default_rng(seed)
    first_id = np.full(n, np.inf)
    if ids is not None:
        np.minimum.at(first_id, units.unit_of, ids.astype(np.float64))
    keys = [np.arange(n, dtype=np.float64), first_id, -np.arange(n, dtype=np.float64), -first_id, -units.a]
    orders, seen = [], set()
    for variant in range(2 * count + 2):
        if len(orders) == count:
            break
        key = keys[variant] if variant < len(keys) else rng.random(n)
        order = _reverse_postorder(n, units.src, units.dst, key)
        sig = hash(order.tobytes())
        if sig not in seen:
            seen.add(sig)
            orders.append(order)
    return orders


def _reverse_postorder(n: int, src: np.ndarray, dst: np.ndarray, key: np.ndarray) -> np.ndarray:
    """A topological order: the reverse of a DFS post-order, roots and children taken by ascending ``key``."""
    by = np.lexsort((key[dst], src))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
    succ_l, ptr_l = dst[by].tolist(), ptr.tolist()
    seen = bytearray(n)
    post: list[int] = []
    for root in np.argsort(key, kind="stable").tolist():
        if seen[root]:
            continue
        seen[root] = 1
        stack = [(root, ptr_l[root])]
        while stack:
            u, i = stack[-1]
            end = ptr_l[u + 1]
            while i < end and seen[succ_l[i]]:
                i += 1
            if i < end:
                v = succ_l[i]
                stack[-1] = (u, i + 1)
                seen[v] = 1
                stack.append((v, ptr_l[v]))
            else:
                post.append(u)
                stack.pop()
    return np.asarray(post[::-1], dtype=np.int64)


def greedy_chain_bound(workload: Workload, cluster: Cluster, units: Units) -> float:
    """An upper bound for a unit chain: the least T (by bisection) for which greedy accelerator
    segments of load <= T cover the chain, or all of it on one CPU core; inf if neither works."""
    arrays, graph, scratch = unit_arrays(units), graph_arrays(workload), scratch_arrays(workload)
    mem = cluster.memory if math.isfinite(cluster.memory) else np.inf
    cpu = float(units.p.sum()) if cluster.cpus else math.inf

    def fits(T: float) -> bool:
        return kernels.chain_greedy_fits(T, arrays, graph, cluster.accelerators, mem, scratch)

    hi = float(units.a.sum() + workload.out_cost.sum())
    if cluster.accelerators == 0 or not fits(hi):
        return cpu
    lo = 0.0
    for _ in range(60):
        if hi - lo <= 1e-9 * hi:
            break
        mid = (lo + hi) / 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return min(hi, cpu)


def run_chain(workload: Workload, cluster: Cluster, chain: Units, ub: float, progress: bool = False
              ) -> tuple[float, list[tuple[np.ndarray, int]], int]:
    """The DP over the prefixes of ``chain`` (units in chain order). Returns the value, the device
    groups of an optimal cut, and the number of pairs examined."""
    n = chain.num_units
    table = DPTable(workload, cluster, chain, n + 1)
    pairs = 0
    step = max(1, n // 100)
    limits = table.limits(ub)
    with progress_bar(n, "dp-linear", progress) as bar:
        for lo in range(1, n + 1, step):
            hi = min(n + 1, lo + step)
            pairs += kernels.chain_dp(lo, hi, table.units, table.graph, limits, table.arrays, table.scratch)
            bar.update(hi - lo)
    value = table.value(n)
    if not math.isfinite(value):
        return value, [], pairs
    groups = [(chain.nodes[chain.ptr[J]:chain.ptr[I]], kind) for I, J, kind in reversed(table.walk(n))]
    return value, groups, pairs


def dp_linear_split(workload: Workload, cluster: Cluster, *, options: LinearOptions = LinearOptions(),
                    progress: bool = False, units: Units | None = None) -> Solution:
    """Best contiguous split along a few DFS topological orders (a heuristic: an upper bound on the
    exact optimum).

    >>> from pipesplit.workload import Workload
    >>> w = Workload.from_lists(ids=[1, 2, 3, 4], acc_time=[4, 1, 1, 4], cpu_time=[40] * 4,
    ...                         edges=[(1, 2), (2, 3), (3, 4)], out_cost={1: 0.5, 2: 0.5, 3: 0.5})
    >>> dp_linear_split(w, Cluster(2)).value
    5.5
    """
    start = time.perf_counter()
    units = contract(workload) if units is None else units
    check_basic_feasibility(workload, cluster, units)
    n = units.num_units
    count = options.orders or (24 if n <= 1000 else 8 if n <= 5000 else 3 if n <= 20000 else 1)
    orders = dfs_orders(units, count, options.seed, workload.ids)
    best_value, best_groups, pairs = math.inf, None, 0
    ub = math.inf
    for t, order in enumerate(orders):
        chain = units.renumbered(order)
        if t == 0:
            ub = greedy_chain_bound(workload, cluster, chain)
        value, groups, p = run_chain(workload, cluster, chain, ub, progress and t == 0)
        pairs += p
        if value < best_value:
            best_value, best_groups = value, groups
            ub = min(ub, value)
    if best_groups is None:
        raise infeasible(workload, cluster, "contiguous ")
    placement = placement_from_groups(workload, cluster, best_groups)
    evaluation = evaluate(workload, cluster, placement, contiguous=True)
    return Solution(placement=placement, evaluation=evaluation, method="dp-linear", value=best_value,
                    optimal=False, seconds=time.perf_counter() - start,
                    stats={"units": units.num_units, "orders": len(orders), "ideals": units.num_units + 1,
                           "pairs": pairs})
