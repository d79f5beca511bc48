"""The dynamic programs' table and the walk back from its answer to a placement."""

from __future__ import annotations

import math

import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...placement import Placement
from ...workload import Workload
from . import kernels
from .contract import Units


class DPTable:
    """dp, choice and kfirst arrays for ``num_ideals`` ideals, and the kernels' shared arguments."""

    def __init__(self, workload: Workload, cluster: Cluster, units: Units, num_ideals: int):
        K, L = cluster.accelerators, cluster.cpus
        self.K, self.L = K, L
        self.dp = np.empty((num_ideals, K + 1, L + 1))
        self.choice = np.full((num_ideals, K + 1, L + 1), -1, dtype=np.int64)
        self.kfirst = np.zeros((num_ideals, L + 1), dtype=np.int64)
        self.dp[0] = 0.0
        self.arrays = kernels.Table(self.dp, self.choice, self.kfirst)
        self.graph = graph_arrays(workload)
        self.units = unit_arrays(units)
        self.scratch = scratch_arrays(workload)
        self.mem_limit = cluster.memory if math.isfinite(cluster.memory) else np.inf
        self.wt, self.theta = work_measure(units.a, units.p, units.bad, L)

    def limits(self, ub: float) -> kernels.Limits:
        """The kernels' limits for upper bound ``ub``, with a relative slack so that ties survive rounding."""
        ub_eff = ub * (1 + 1e-9) + 1e-12 if math.isfinite(ub) else np.inf
        return kernels.Limits(self.K, self.L, float(self.mem_limit), float(ub_eff), self.wt, float(self.theta))

    def value(self, ideal: int) -> float:
        return float(self.dp[ideal, self.K, self.L])

    def walk(self, top: int) -> list[tuple[int, int, int]]:
        """The (I, J, kind) pieces of the optimal cover of ideal ``top``: I \\ J on an accelerator
        (kind 0) or a CPU core (kind 1)."""
        pieces, I, k, l = [], top, self.K, self.L
        while I != 0:
            c = int(self.choice[I, k, l])
            J, kind = c // 2, c % 2
            pieces.append((I, J, kind))
            I, k, l = (J, k - 1, l) if kind == 0 else (J, k, l - 1)
        return pieces


def unit_arrays(units: Units) -> kernels.UnitArrays:
    return kernels.UnitArrays(units.a, units.p, units.mem, units.bad, units.ptr, units.nodes)


def graph_arrays(workload: Workload) -> kernels.GraphArrays:
    pred_ptr, preds = workload.preds_csr
    return kernels.GraphArrays(pred_ptr, preds, workload.out_degree, workload.out_cost)


def scratch_arrays(workload: Workload) -> kernels.Scratch:
    return kernels.Scratch(np.zeros(workload.num_nodes, dtype=np.int64), np.zeros(workload.num_nodes, dtype=np.uint8))


def work_measure(a: np.ndarray, p: np.ndarray, bad: np.ndarray, cpus: int) -> tuple[np.ndarray, float]:
    """wt(x) = min(a(x), theta * p(x)) per unit (theta * p(x) where x may not use an accelerator):
    whenever k accelerators and l CPU cores cover a set X with max load <= T, wt(X) <= (k + theta * l) * T.
    theta is the median accelerator/CPU time ratio; without CPU cores wt is the accelerator time."""
    if cpus == 0:
        return a.astype(np.float64), 0.0
    ok = (p > 0) & (a > 0)
    theta = float(np.median(a[ok] / p[ok])) if ok.any() else 1.0
    return np.where(bad > 0, theta * p, np.minimum(a, theta * p)), theta


def placement_from_groups(workload: Workload, cluster: Cluster, groups: list[tuple[np.ndarray, int]]) -> Placement:
    """A placement from (original nodes, kind) groups: accelerators and CPU cores numbered in order."""
    device = np.full(workload.num_nodes, -1, dtype=np.int64)
    acc = cpu = 0
    for nodes, kind in groups:
        if kind == 0:
            device[nodes] = acc
            acc += 1
        else:
            device[nodes] = cluster.accelerators + cpu
            cpu += 1
    return Placement(device, accelerators=cluster.accelerators, cpus=cluster.cpus)


def check_basic_feasibility(workload: Workload, cluster: Cluster, units: Units) -> None:
    """One-line errors for inputs no split can serve."""
    if cluster.cpus == 0:
        bad = np.flatnonzero(units.bad > 0)
        if len(bad):
            k = int(units.members(int(bad[0]))[np.argmin(workload.acc_ok[units.members(int(bad[0]))])])
            raise PipesplitError(f"node {workload.label(k)} cannot run on an accelerator and the cluster has no CPU "
                                 "cores; add {cpus}")
        big = np.flatnonzero(units.mem > cluster.memory)
        if len(big):
            x = int(big[0])
            k = int(units.members(x)[0])
            what = "node" if len(units.members(x)) == 1 else "colocated group of node"
            raise PipesplitError(f"{what} {workload.label(k)} needs {units.mem[x]:.6g} bytes, more than an "
                                 f"accelerator's memory ({cluster.memory:.6g}), and the cluster has no CPU cores; "
                                 "add {cpus} or give more {memory}")
        total = float(workload.memory.sum())
        if total > cluster.accelerators * cluster.memory:
            raise PipesplitError(f"the workload needs {total:.6g} bytes but {cluster.accelerators} accelerators hold "
                                 f"{cluster.accelerators * cluster.memory:.6g}; add accelerators, {{memory}} or {{cpus}}")


def infeasible(workload: Workload, cluster: Cluster, what: str) -> PipesplitError:
    """Why no split was found. With a CPU core everything fits on it, so only memory can bind."""
    if cluster.cpus == 0 and cluster.accelerators > 0:
        need = float(workload.memory.sum())
        return PipesplitError(
            f"no {what}split fits: memory binds ({need:.6g} bytes in all, {cluster.accelerators} accelerators of "
            f"{cluster.memory:.6g} bytes, and pieces must be {what.strip() or 'whole'}); add accelerators, {{memory}} "
            "or {cpus}")
    return PipesplitError(f"no {what}split fits {cluster.accelerators} accelerators and {cluster.cpus} CPU cores")
