"""Reference points: everything on one accelerator, and a split given as a file (an expert's)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ...cluster import Cluster
from ...errors import PipesplitError
from ...placement import Placement, evaluate
from ...workload import Workload
from ..result import Solution, cpu_device_or_fail, throughput_solution


def one_accelerator_split(workload: Workload, cluster: Cluster, *, options=None, progress: bool = False) -> Solution:
    """Everything on accelerator 0 (nodes it cannot run on CPU core 0); memory may be exceeded."""
    started = time.perf_counter()
    w = workload
    if cluster.accelerators == 0:
        device = np.full(w.num_nodes, cpu_device_or_fail(cluster, "the workload"), np.int64)
    else:
        device = np.zeros(w.num_nodes, np.int64)
        if (~w.acc_ok).any():
            bad_cls = np.zeros(int(w.class_of.max()) + 1, bool)
            bad_cls[w.class_of[~w.acc_ok]] = True
            device[bad_cls[w.class_of]] = cpu_device_or_fail(cluster, f"node {w.label(int(np.flatnonzero(~w.acc_ok)[0]))}")
    return throughput_solution(w, cluster, device, "one-accelerator", started)


@dataclass(frozen=True)
class ExpertOptions:
    """``path``: the split file (the paper's output format or the native one)."""

    path: str | None = None


def expert_split(workload: Workload, cluster: Cluster, *, options: ExpertOptions = ExpertOptions(),
                 progress: bool = False) -> Solution:
    """A split given as a file, evaluated as it is."""
    from ...formats import load_split
    if not options.path:
        raise PipesplitError("the expert method needs a split file: give {expert}=SPLIT.json")
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
