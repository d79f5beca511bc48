"""The exact dynamic program over the ideals of the DAG: the optimal contiguous split.

For every ideal I (in order of size) and every ideal J inside it, the set I \\ J goes on one more
accelerator or CPU core: dp[I][k][l] = min over J of max(dp[J][k-1][l], accelerator load of I \\ J)
or max(dp[J][k][l-1], CPU load of I \\ J). Unlike the paper's reference, pairs are not enumerated
and scored up front: for each I the sets I \\ J are grown one unit at a time by reverse search, with
their loads updated incrementally, and a branch stops as soon as its compute alone exceeds the
linearized optimum (an upper bound), since compute only grows along it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...placement import evaluate
from ...progress import progress_bar
from ...workload import Workload
from ..result import Solution
from . import kernels
from .contract import contract
from .lattice import TooManyIdeals, ideal_lattice
from .linear import LinearOptions, dp_linear_split
from .table import DPTable, check_basic_feasibility, infeasible, placement_from_groups


@dataclass(frozen=True)
class DPOptions:
    """``max_ideals``: refuse graphs with more ideals than this (use the linearized program);
    ``memory_budget``: bytes the ideal lattice and DP table may take, which lowers that cap when the
    cluster has many devices.
    ``linear``: options of the linearized run that provides the upper bound."""

    max_ideals: int = 3_000_000
    memory_budget: float = 2 * 2**30
    linear: LinearOptions = LinearOptions()


def dp_split(workload: Workload, cluster: Cluster, *, options: DPOptions = DPOptions(),
             progress: bool = False) -> Solution:
    """The optimal contiguous split (max load over devices), proven optimal over every split that
    ``evaluate(contiguous=True)`` accepts (``proof`` says so, or names the restriction it is under).

    >>> from pipesplit.workload import Workload
    >>> w = Workload.from_lists(ids=[1, 2, 3], acc_time=[2, 3, 2], cpu_time=[20, 30, 20],
    ...                         edges=[(1, 2), (1, 3)], out_cost={1: 1.0})
    >>> s = dp_split(w, Cluster(2))
    >>> s.value, s.optimal
    (5.0, True)
    """
    start = time.perf_counter()
    units, lattice, restriction = _units_and_lattice(workload, cluster, options)
    try:
        ub = dp_linear_split(workload, cluster, options=options.linear, units=units).value
    except PipesplitError:  # no chain split fits; the exact program may still find one
        ub = math.inf
    n = lattice.num_ideals
    table = DPTable(workload, cluster, units, n)
    wt_ideal = np.zeros(n)
    pairs = 0
    step = max(1, n // 200)
    arrays = kernels.LatticeArrays(lattice.down_ptr, lattice.down_x, lattice.down_j)
    limits = table.limits(ub)
    with progress_bar(n, "dp", progress) as bar:
        for lo in range(1, n, step):
            hi = min(n, lo + step)
            pairs += kernels.lattice_dp(lo, hi, arrays, table.units, table.graph, limits, table.arrays, table.scratch,
                                        wt_ideal)
            bar.update(hi - lo)
    value = table.value(n - 1)
    stats = {"units": units.num_units, "ideals": n, "pairs": pairs, "upper_bound": ub}
    if not math.isfinite(value):
        raise infeasible(workload, cluster, "contiguous ")
    groups = []
    for I, J, kind in reversed(table.walk(n - 1)):
        members = [units.members(x) for x in lattice.units_between(J, I)]
        groups.append((np.concatenate(members), kind))
    placement = placement_from_groups(workload, cluster, groups)
    evaluation = evaluate(workload, cluster, placement, contiguous=True)
    over = "contiguous splits" + (f" that {restriction}" if restriction else "")
    return Solution(placement=placement, evaluation=evaluation, method="dp", value=value, optimal=restriction is None,
                    seconds=time.perf_counter() - start, stats=stats, proof=f"exact dynamic program over all {over}")


def memory_may_bind(workload: Workload, cluster: Cluster) -> bool:
    """Whether some placement could overflow an accelerator's memory."""
    return cluster.accelerators > 0 and float(workload.memory.sum()) > cluster.memory


def _units_and_lattice(workload: Workload, cluster: Cluster, options: DPOptions):
    """The units and ideal lattice of the exact program, and the restriction its optimum is under
    (None: none). When memory may bind, zero-time units holding memory stay apart (lossless); if that
    lattice is too big, they merge as in the paper's reference, and the optimum is over the smaller space."""
    keep = memory_may_bind(workload, cluster)
    units = contract(workload, keep_memory=keep)
    check_basic_feasibility(workload, cluster, units)
    try:
        return units, ideal_lattice(units, _ideal_cap(units, cluster, options), _edge_cap(options)), None
    except TooManyIdeals:
        if not keep:
            raise
    units = contract(workload)
    restriction = "keep each zero-time node holding memory with its only neighbour"
    return units, ideal_lattice(units, _ideal_cap(units, cluster, options), _edge_cap(options)), restriction


def _edge_cap(options: DPOptions) -> int:
    """The most lattice edges (ideal, unit, sub-ideal) within the memory budget, about 64 bytes each."""
    return int(options.memory_budget // 64)


def _ideal_cap(units, cluster: Cluster, options: DPOptions) -> int:
    """The most ideals the lattice and table may have (the option's cap, or less by the memory budget)."""
    words = (units.num_units + 63) // 64
    per_ideal = 16 * (cluster.accelerators + 1) * (cluster.cpus + 1) + 8 * (cluster.cpus + 1) + 8 * words + 64
    return min(options.max_ideals, int(options.memory_budget // per_ideal))


AUTO_MAX_IDEALS = 250_000


def auto_split(workload: Workload, cluster: Cluster, *, options: DPOptions = DPOptions(max_ideals=AUTO_MAX_IDEALS),
               progress: bool = False) -> Solution:
    """The exact program when the graph has at most ``options.max_ideals`` ideals (it then finishes in
    seconds to a minute), else the linearized one, saying so in ``stats["note"]``.

    >>> from pipesplit.workload import Workload
    >>> w = Workload.from_lists(ids=[1, 2], acc_time=[1.0, 1.0], cpu_time=[9.0, 9.0], edges=[(1, 2)])
    >>> auto_split(w, Cluster(2)).method
    'dp'
    """
    start = time.perf_counter()
    try:
        return dp_split(workload, cluster, options=options, progress=progress)
    except TooManyIdeals:
        solution = dp_linear_split(workload, cluster, options=options.linear, progress=progress)
        solution.stats["note"] = (f"the graph has over {options.max_ideals:,} ideals, too many for a quick exact "
                                  "solve: solved with dp-linear ({method}=dp insists on the exact program)")
        solution.seconds = time.perf_counter() - start
        return solution
